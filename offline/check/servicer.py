"""The pack server of the offline check: pulumi-policy's own servicer, each request deserialized once.

pulumi-policy 1.21.0's `_PolicyAnalyzerServicer.Analyze` deserializes a resource's properties
(`json_format.MessageToDict` + `deserialize_properties`), builds the unknown-value proxy, its options
and its provider once per enabled policy, and reconfigures the runtime (`inspect.signature`,
`pulumi.runtime.configure`) on every call: with ~80 policies that is most of a check's time.
`SharedRequestServicer` keeps every other part of that servicer (enforcement levels, violation
reports, not-applicable answers, unknown values during preview, `AnalyzeStack`'s parents and
dependencies) and does those steps once per request, and configures the runtime once.

The pack itself is unchanged: `python -m offline.check.servicer <engine> <packdir>` runs the
pack's `__main__.py` exactly as `python -m pulumi.policy` does, with the servicer class swapped in
`pulumi_policy.policy` before the pack builds its `PolicyPack`. `pulumi preview --policy-pack` keeps
using the unmodified servicer.

The subclass reads private names of pulumi-policy (`_PolicyAnalyzerServicer__policies` and its
helpers) and repeats the loop of `Analyze`/`AnalyzeStack`: `check_servicer()` refuses to serve when
the installed version is not the pinned one or a name is gone, and the tests compare the source of
the two methods with the pinned version's.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import importlib.metadata
import inspect
import runpy
from inspect import isawaitable
from typing import Any

from pulumi.runtime.proto import analyzer_pb2 as proto
from pulumi_policy import policy as policy_module
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import (
    EnforcementLevel,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    _NotApplicableError,
    _PolicyAnalyzerServicer,
)
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from offline.runtime import struct_dict

PINNED_VERSION = "1.21.0"
"""The pulumi-policy release this subclass was written against (requirements/plan.in pins it)."""

PRIVATE_ATTRIBUTES = (
    "_PolicyAnalyzerServicer__policies",
    "_PolicyAnalyzerServicer__policy_pack_name",
    "_PolicyAnalyzerServicer__policy_pack_version",
    "_PolicyAnalyzerServicer__stack_tags",
)
"""Instance attributes of pulumi-policy's servicer that the subclass reads (set by its `__init__`)."""
PRIVATE_METHODS = (
    "_configure_runtime_settings",
    "_create_report_violation",
    "_get_enforcement_level",
    "_get_policy_config",
    "_get_provider_resource",
    "_get_resource_options",
    "_map_enforcement_level",
)
"""Methods of pulumi-policy's servicer that the subclass calls."""
REPEATED_METHODS = {
    "Analyze": "75db9cf8fc9d158596909b9b3f77bf48815990a6f513f2bb35728a67e4d8a515",
    "AnalyzeStack": "3917a008482c2387d7da37f65d889970933e8df8efc57270559e20b36be837bf",
}
"""SHA-256 of the source of the methods whose loop the subclass repeats, in the pinned version."""


class ServicerMismatch(RuntimeError):
    """The installed pulumi-policy is not the one `SharedRequestServicer` was written against."""


def source_digest(method: str) -> str:
    return hashlib.sha256(inspect.getsource(getattr(_PolicyAnalyzerServicer, method)).encode()).hexdigest()


def check_servicer() -> None:
    """Refuse to serve with a pulumi-policy whose private names or repeated loops moved."""
    version = importlib.metadata.version("pulumi-policy")
    problems = [f"pulumi-policy {version} is installed, {PINNED_VERSION} is pinned"] * (
        version != PINNED_VERSION
    )
    problems += [
        f"_PolicyAnalyzerServicer.{name} is gone"
        for name in PRIVATE_METHODS
        if not callable(getattr(_PolicyAnalyzerServicer, name, None))
    ]
    problems += [
        f"_PolicyAnalyzerServicer.{name} changed since {PINNED_VERSION}"
        for name, digest in REPEATED_METHODS.items()
        if source_digest(name) != digest
    ]
    if problems:
        raise ServicerMismatch("the offline check's pack server cannot serve: " + "; ".join(problems))


class _Touched(BaseException):
    """A probed validator asked for more than the resource type, or reported (a BaseException, so a
    validator's own `except Exception` cannot swallow it)."""


class _TypeOnly:
    """Validation args that answer only `resource_type`: anything else a validator asks for raises,
    and is remembered even if the validator catches it."""

    __slots__ = ("resource_type", "touched")

    def __init__(self, resource_type: str) -> None:
        self.resource_type = resource_type
        self.touched: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.touched.append(name)
        raise _Touched(name)


def does_nothing_for(policy: Any, resource_type: str) -> bool:
    """Whether a resource policy returns for this type without reading anything but the type.

    Such a policy reports nothing for any resource of the type, whatever its properties, options,
    provider or config: the servicer may skip calling it. A validator that reads anything else,
    reports, awaits or raises is called as usual.
    """
    probe = _TypeOnly(resource_type)

    def report(*_: Any, **__: Any) -> None:
        probe.touched.append("report")
        raise _Touched("report")

    try:
        result = policy.validate(probe, report)
    except (_Touched, Exception):
        return False
    return result is None and not probe.touched


class SharedRequestServicer(_PolicyAnalyzerServicer):
    """`_PolicyAnalyzerServicer` that deserializes each request once and configures the runtime once.

    It also skips a policy for a resource type when probing shows the policy does nothing for that
    type (`does_nothing_for`): the response is the same, without building the arguments and calling
    a validator that returns at once. Policies look at the type first (tests/policies/test_type_first.py),
    so most are skipped for most types; which policies to call is worked out once per type. What a
    resource's policies shared in `Analyze` is kept for `AnalyzeStack`, which gets every resource
    again, and reused when its properties, options and provider are the same.
    """

    _configured = False
    _skip: dict[tuple[str, str], bool] | None = None
    _actions: dict[str, list[tuple[Any, Any]]] | None = None
    _has_stack_policies: bool | None = None

    def _skips(self, policy: Any, resource_type: str) -> bool:
        if self._skip is None:
            self._skip = {}
        key = (policy.name, resource_type)
        if key not in self._skip:
            self._skip[key] = does_nothing_for(policy, resource_type)
        return self._skip[key]

    def _configure_once(self) -> None:
        if not self._configured:
            missing = [name for name in PRIVATE_ATTRIBUTES if not hasattr(self, name)]
            if missing:
                raise ServicerMismatch(f"pulumi-policy's servicer has no {', '.join(missing)}")
            self._configure_runtime_settings()
            self._configured = True
            # What the pack loaded stays: later collections walk only what requests allocate.
            gc.freeze()

    @property
    def _policies(self) -> list[Any]:
        return self._PolicyAnalyzerServicer__policies  # type: ignore[attr-defined]

    def _unknown_diagnostic(self, policy: Any, error: UnknownValueError) -> proto.AnalyzeDiagnostic:
        name = self._PolicyAnalyzerServicer__policy_pack_name  # type: ignore[attr-defined]
        version = self._PolicyAnalyzerServicer__policy_pack_version  # type: ignore[attr-defined]
        return proto.AnalyzeDiagnostic(
            policyName=policy.name,
            policyPackName=name,
            policyPackVersion=version,
            message=(
                f"can't run policy '{policy.name}' from policy pack '{name}@v{version}' during preview: "
                f"{error.message}"
            ),
            urn="",
            description=policy.description,
            enforcementLevel=self._map_enforcement_level(EnforcementLevel.ADVISORY),
        )

    def _validate(self, policy: Any, args: Any, report: Any, response: Any) -> None:
        """One policy's validation, with the base servicer's handling of unknowns and not-applicable."""
        try:
            result = policy.validate(args, report)
            if isawaitable(result):
                loop = asyncio.new_event_loop()
                task = asyncio.Task(result, loop=loop)
                loop.run_until_complete(task)
                loop.close()
        except UnknownValueError as error:
            response.diagnostics.append(self._unknown_diagnostic(policy, error))
        except _NotApplicableError as error:
            response.not_applicable.append(
                proto.PolicyNotApplicable(policy_name=policy.name, reason=error.reason or "")
            )

    def _resource(self, request: Any, raw: dict[str, Any] | None = None) -> tuple[Any, Any, Any]:
        """Properties (behind the unknown-value proxy), options and provider: what every policy shares."""
        # `struct_dict` is `json_format.MessageToDict` for a Struct (the same dict, compared in the tests).
        raw = struct_dict(request.properties) if raw is None else raw
        props = unknown_checking_proxy(deserialize_properties(raw))
        return props, self._get_resource_options(request), self._get_provider_resource(request)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._analyzed: dict[str, tuple[Any, dict[str, Any], tuple[Any, Any, Any]]] = {}
        """Each resource `Analyze` judged since the last `AnalyzeStack`: its request, its properties as
        read from the request, and what its policies shared."""

    def Configure(self, request: Any, context: Any) -> Any:
        self._actions = {}  # enforcement levels come from the config
        return super().Configure(request, context)

    def _actions_for(self, resource_type: str) -> list[tuple[Any, Any]]:
        """What `Analyze` does for a resource type, policy by policy in the pack's order, worked out
        once per type: `(policy, level)` to call it, `(policy, None)` to answer not-applicable."""
        if self._actions is None:
            self._actions = {}
        actions = self._actions.get(resource_type)
        if actions is None:
            actions = []
            for policy in self._policies:
                level = self._get_enforcement_level(policy)
                if level == EnforcementLevel.DISABLED or not isinstance(policy, ResourceValidationPolicy):
                    continue
                if not policy.has_validation():
                    actions.append((policy, None))
                    continue
                if level == EnforcementLevel.REMEDIATE:
                    level = EnforcementLevel.MANDATORY
                if self._skips(policy, resource_type):
                    continue  # the base servicer would call it, and it would return at once
                actions.append((policy, level))
            self._actions[resource_type] = actions
        return actions

    def Analyze(self, request: Any, _context: Any) -> proto.AnalyzeResponse:
        self._configure_once()
        response = proto.AnalyzeResponse()
        shared: tuple[Any, Any, Any] | None = None
        raw: dict[str, Any] | None = None
        tags = self._PolicyAnalyzerServicer__stack_tags  # type: ignore[attr-defined]
        for policy, level in self._actions_for(request.type):
            if level is None:
                reason = "Policy does not implement validate"
                response.not_applicable.append(
                    proto.PolicyNotApplicable(policy_name=policy.name, reason=reason)
                )
                continue
            report = self._create_report_violation(
                response, policy.name, policy.description, level, policy.severity
            )
            if shared is None:
                raw = struct_dict(request.properties)
                shared = self._resource(request, raw)
            props, opts, provider = shared
            config = self._get_policy_config(policy.name)
            args = ResourceValidationArgs(
                request.type, props, request.urn, request.name, opts, provider, config, tags
            )
            self._validate(policy, args, report, response)
        if self._stack_policies():
            # `AnalyzeStack` gets this resource again: what it shares is kept for it (`_stack_resources`).
            raw = struct_dict(request.properties) if raw is None else raw
            self._analyzed[request.urn] = (request, raw, shared or self._resource(request, raw))
        return response

    def _stack_policies(self) -> bool:
        if self._has_stack_policies is None:
            self._has_stack_policies = any(isinstance(p, StackValidationPolicy) for p in self._policies)
        return self._has_stack_policies

    def AnalyzeStack(self, request: Any, _context: Any) -> proto.AnalyzeResponse:
        self._configure_once()
        response = proto.AnalyzeResponse()
        resources: list[PolicyResource] | None = None
        analyzed, self._analyzed = self._analyzed, {}  # what the next `Analyze` calls keep is theirs
        tags = self._PolicyAnalyzerServicer__stack_tags  # type: ignore[attr-defined]
        for policy in self._policies:
            level = self._get_enforcement_level(policy)
            if level == EnforcementLevel.DISABLED or not isinstance(policy, StackValidationPolicy):
                continue
            if level == EnforcementLevel.REMEDIATE:
                level = EnforcementLevel.MANDATORY
            report = self._create_report_violation(
                response, policy.name, policy.description, level, policy.severity
            )
            if resources is None:
                resources = self._stack_resources(request, analyzed)
            config = self._get_policy_config(policy.name)
            self._validate(policy, StackValidationArgs(resources, config, tags), report, response)
        return response

    def _stack_resources(
        self, request: Any, analyzed: dict[str, tuple[Any, dict[str, Any], tuple[Any, Any, Any]]]
    ) -> list[PolicyResource]:
        """Every resource of `AnalyzeStack`, with parents and dependencies linked, as the base servicer
        builds them; `analyzed` is what `Analyze` kept of each resource (`Analyze`'s `_analyzed`)."""
        resources: list[PolicyResource] = []
        links: list[tuple[PolicyResource, Any]] = []
        for r in request.resources:
            seen = analyzed.get(r.urn)
            raw = struct_dict(r.properties)
            # Dicts compare whatever the order of a Struct's map; protobuf's own `==` on Structs whose
            # maps were copied in another order costs a deterministic serialization of both.
            if (
                seen is not None
                and seen[1] == raw
                and seen[0].options == r.options
                and seen[0].provider == r.provider
            ):
                props, opts, provider = seen[2]  # deserialized when `Analyze` judged it
            else:
                props, opts, provider = self._resource(r, raw)
            resource = PolicyResource(r.type, props, r.urn, r.name, opts, provider, None, [], {})
            resources.append(resource)
            links.append((resource, r))
        by_urn = {resource.urn: resource for resource in resources}
        for resource, r in links:
            if r.parent in by_urn:
                resource.parent = by_urn[r.parent]
            resource.dependencies.extend(by_urn[d] for d in r.dependencies if d in by_urn)
            for key, deps in r.propertyDependencies.items():
                resource.property_dependencies[key] = [by_urn[d] for d in deps.urns if d in by_urn]
        return resources


def main() -> None:
    """`python -m pulumi.policy <engine> <packdir>`, with `SharedRequestServicer` serving the pack."""
    check_servicer()
    policy_module._PolicyAnalyzerServicer = SharedRequestServicer  # type: ignore[misc]
    runpy.run_module("pulumi.policy", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
