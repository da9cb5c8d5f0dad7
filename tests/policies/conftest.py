"""In-process policy tests: resources built through the mock runtime, judged by one policy at a time.

A test declares resources named checkov-style, `passed-N` and `failed-N`, changing one property of a
happy-path resource each, and `judge()` asserts the exact sets: every `failed-*` resource has a
violation, no `passed-*` one has. The validator gets `pulumi_policy` argument objects built the way
the analyzer builds them (inputs behind the SDK's unknown-checking proxy, options from the
`RegisterResourceRequest`), so the unit tests see what the pack sees under the engine.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from pulumi_policy import (
    Policy,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
)
from pulumi_policy.proxy import unknown_checking_proxy

from offline.mocks import PlanMocks
from offline.runtime import Capture, Registration, run_program

PROJECT = "secrets-platform"
CANARY = "spcanary-t-1-feedbeef"
SECRET_CONFIG = {f"{PROJECT}:token": CANARY}


def run(body: Callable[[], None]) -> Capture:
    """Run a program under the mock runtime (a `secrets-platform:token` secret is available)."""
    return run_program(
        body,
        project=PROJECT,
        stack="t",
        config=dict(SECRET_CONFIG),
        secret_keys=list(SECRET_CONFIG),
        plan_mocks=PlanMocks("eu-west-1", "feedbeef"),
    )


def options(reg: Registration) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=bool(reg.options.get("protect")),
        ignore_changes=list(reg.options.get("ignoreChanges", [])),
        delete_before_replace=reg.options.get("deleteBeforeReplace"),
        aliases=[str(a) for a in reg.options.get("aliases", [])],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=list(reg.options.get("additionalSecretOutputs", [])),
        parent=reg.parent or None,
    )


def resource_args(reg: Registration, config: dict[str, Any] | None = None) -> ResourceValidationArgs:
    props = unknown_checking_proxy(copy.deepcopy(reg.inputs))
    return ResourceValidationArgs(reg.type, props, reg.urn, reg.name, options(reg), None, config)


def provider(reg: Registration, capture: Capture) -> PolicyProviderResource | None:
    """The provider a registration names, as the analyzer hands it (`<provider urn>::<id>`)."""
    urn = reg.provider.rsplit("::", 1)[0] if reg.provider else ""
    found = next((r for r in capture.resources if r.urn == urn), None)
    if found is None:
        return None
    return PolicyProviderResource(
        found.type, unknown_checking_proxy(copy.deepcopy(found.inputs)), found.urn, found.name
    )


def stack_args(capture: Capture, config: dict[str, Any] | None = None) -> StackValidationArgs:
    resources = {
        reg.urn: PolicyResource(
            reg.type,
            unknown_checking_proxy(copy.deepcopy(reg.inputs)),
            reg.urn,
            reg.name,
            options(reg),
            provider(reg, capture),
            None,
            [],
            {},
        )
        for reg in capture.resources
    }
    for reg in capture.resources:
        resource = resources[reg.urn]
        resource.parent = resources.get(reg.parent)
        resource.dependencies = [resources[d] for d in reg.dependencies if d in resources]
        resource.property_dependencies = {
            k: [resources[d] for d in v if d in resources] for k, v in reg.property_dependencies.items()
        }
    return StackValidationArgs(list(resources.values()), config)


def violations(
    policy: Policy, capture: Capture, config: dict[str, Any] | None = None
) -> dict[str, list[str]]:
    """Resource name -> the policy's violation messages."""
    found: dict[str, list[str]] = defaultdict(list)
    names = {reg.urn: reg.name for reg in capture.resources}
    if isinstance(policy, ResourceValidationPolicy):
        for reg in capture.resources:
            policy.validate(
                resource_args(reg, config), lambda msg, urn=None, n=reg.name: found[n].append(msg)
            )
    else:
        policy.validate(  # type: ignore[union-attr]
            stack_args(capture, config),
            lambda msg, urn=None: found[names.get(urn or "", "(stack)")].append(msg),
        )
    return dict(found)


def judge(
    policy: Policy, body: Callable[[], None], config: dict[str, Any] | None = None
) -> dict[str, list[str]]:
    """Run a program and assert the exact sets of failing (`failed-*`) and passing (`passed-*`) resources.

    Every message must be complete sentences: the finding, then an imperative fix.
    """
    capture = run(body)
    found = violations(policy, capture, config)
    names = {reg.name for reg in capture.resources}
    expected_failed = {n for n in names if n.startswith("failed-")}
    assert expected_failed, "the test declares no failed-N resource"
    assert {n for n in names if n.startswith("passed-")}, "the test declares no passed-N resource"
    for name in sorted(names):
        if name.startswith("failed-"):
            assert name in found, f"{policy.name}: {name} should fail but passed"
        elif name.startswith("passed-"):
            assert name not in found, f"{policy.name}: {name} should pass but got {found.get(name)}"
    for name, messages in found.items():
        for text in messages:
            assert text.endswith("."), f"{policy.name} on {name}: message is not a sentence: {text!r}"
            assert text.count(". ") >= 1, f"{policy.name} on {name}: message lacks a fix: {text!r}"
            assert CANARY not in text, f"{policy.name} on {name}: message shows a secret value"
    return found
