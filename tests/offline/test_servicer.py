"""The check's pack server gives exactly the diagnostics of pulumi-policy's own servicer.

`offline.check.servicer.SharedRequestServicer` deserializes each request once instead of once per
policy; the engine runs the pack with the unmodified servicer (`python -m pulumi.policy`). Both
packs are started here as processes and driven with the same requests: the shipped stacks, and both
stacks' programs with every unsafe corpus program appended (every policy fires somewhere).
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator
from typing import Any

import pytest
from pulumi_policy import ResourceValidationPolicy
from pulumi_policy.policy import EnforcementLevel, _PolicyAnalyzerServicer

from offline.check import PolicyPackProcess, effective_config, load_policy_config, policy_config_path
from offline.check.inprocess import InProcessPack
from offline.check.piped import PipedPack
from offline.check.servicer import (
    PINNED_VERSION,
    PRIVATE_ATTRIBUTES,
    PRIVATE_METHODS,
    REPEATED_METHODS,
    ServicerMismatch,
    SharedRequestServicer,
    check_servicer,
    does_nothing_for,
    source_digest,
)
from offline.plan import capture_stack
from offline.runtime import Capture
from policies import ALL_POLICIES
from tests.conftest import ROOT
from tests.offline.test_check import _appended_capture


def test_the_pinned_pulumi_policy_is_installed() -> None:
    assert importlib.metadata.version("pulumi-policy") == PINNED_VERSION
    lock = (ROOT / "requirements" / "plan.in").read_text(encoding="utf-8")
    assert f"pulumi-policy=={PINNED_VERSION}" in lock, "plan.in pins the version the servicer was written for"


def test_the_private_names_the_subclass_uses_still_exist() -> None:
    """An upgrade of pulumi-policy that renames or changes these fails here, loudly, not in a check."""
    servicer = _PolicyAnalyzerServicer("p", "1", list(ALL_POLICIES), EnforcementLevel.MANDATORY)
    for name in PRIVATE_ATTRIBUTES:
        assert hasattr(servicer, name), f"pulumi-policy's servicer has no {name}"
    for name in PRIVATE_METHODS:
        assert callable(getattr(_PolicyAnalyzerServicer, name, None)), f"{name} is gone"
    for method, digest in REPEATED_METHODS.items():
        assert source_digest(method) == digest, (
            f"{method} changed: review SharedRequestServicer's copy of its loop"
        )
    check_servicer()


def test_a_changed_servicer_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(REPEATED_METHODS, "Analyze", "0" * 64)
    with pytest.raises(ServicerMismatch, match=r"Analyze changed since"):
        check_servicer()


def test_the_subclass_configures_the_runtime_once(monkeypatch: pytest.MonkeyPatch) -> None:
    servicer = SharedRequestServicer("p", "1", list(ALL_POLICIES), EnforcementLevel.MANDATORY)
    calls: list[int] = []
    monkeypatch.setattr(servicer, "_configure_runtime_settings", lambda: calls.append(1))
    monkeypatch.setattr("gc.freeze", lambda: None)
    for _ in range(3):
        servicer._configure_once()
    assert calls == [1]


@pytest.fixture(scope="module")
def packs() -> Iterator[tuple[PolicyPackProcess, PolicyPackProcess]]:
    with (
        PolicyPackProcess(project="secrets-platform", stack="t", unmodified=True) as engine,
        PolicyPackProcess(project="secrets-platform", stack="t") as shared,
    ):
        yield engine, shared


def _diagnostics(
    pack: PolicyPackProcess | InProcessPack | PipedPack, capture: Capture, stack: str
) -> list[bytes]:
    policies = pack.policies()
    pack.configure(effective_config(policies, load_policy_config(policy_config_path(stack)), f"{stack}.json"))
    return [d.SerializeToString(deterministic=True) for d in pack.analyze(capture.resources)]


@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize("appended", [False, True], ids=["stack", "stack+corpus"])
def test_diagnostics_are_those_of_the_unmodified_servicer(
    packs: tuple[PolicyPackProcess, PolicyPackProcess], stack: str, appended: bool
) -> None:
    engine, shared = packs
    assert engine.info.SerializeToString(deterministic=True) == shared.info.SerializeToString(
        deterministic=True
    )
    capture = _appended_capture(stack)[1] if appended else capture_stack(ROOT, stack)[1]
    expected = _diagnostics(engine, capture, stack)
    found = _diagnostics(shared, capture, stack)
    if appended:
        assert len(expected) > 100, "the corpus makes every policy report"
    assert found == expected


@pytest.fixture(scope="module")
def in_process() -> Iterator[InProcessPack]:
    with InProcessPack(project="secrets-platform", stack="t") as pack:
        yield pack


@pytest.fixture(scope="module")
def piped() -> Iterator[PipedPack]:
    with PipedPack(project="secrets-platform", stack="t") as pack:
        yield pack


@pytest.mark.parametrize("where", ["in_process", "piped"])
@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize("appended", [False, True], ids=["stack", "stack+corpus"])
def test_diagnostics_where_the_check_evaluates_the_pack_are_those_of_the_unmodified_servicer(
    packs: tuple[PolicyPackProcess, PolicyPackProcess],
    request: pytest.FixtureRequest,
    where: str,
    stack: str,
    appended: bool,
) -> None:
    """In the check's process, and in the child fed over a pipe (the check's default). One child
    answers every stack in turn here (a `Configure` and a stream each): its answers stay in order."""
    engine, _ = packs
    pack: InProcessPack | PipedPack = request.getfixturevalue(where)
    assert engine.info.SerializeToString(deterministic=True) == pack.info.SerializeToString(
        deterministic=True
    )
    capture = _appended_capture(stack)[1] if appended else capture_stack(ROOT, stack)[1]
    assert _diagnostics(pack, capture, stack) == _diagnostics(engine, capture, stack)


def test_a_policy_is_skipped_only_for_types_it_does_nothing_for() -> None:
    by_name = {p.name: p for p in ALL_POLICIES}
    configmap = by_name["kubernetes-configmap-plaintext-secret"]
    assert does_nothing_for(configmap, "aws:kms/key:Key")
    assert not does_nothing_for(configmap, "kubernetes:core/v1:ConfigMap"), "it reads a ConfigMap's data"
    assert not does_nothing_for(
        by_name["kubernetes-metadata-plaintext-secret"], "kubernetes:example.com/v1:Widget"
    )


def _policy(validate: Any) -> ResourceValidationPolicy:
    return ResourceValidationPolicy("probe", "A probe.", validate)


def test_a_validator_that_reads_more_than_the_type_is_never_skipped() -> None:
    def config_first(args: Any, report: Any) -> None:
        if args.get_config() and args.resource_type == "t":
            report("x")

    def swallows(args: Any, report: Any) -> None:
        try:
            if args.props.get("a"):
                report("a")
        except Exception:
            return

    def reports_by_type(args: Any, report: Any) -> None:
        if args.resource_type.startswith("aws:"):
            report("no AWS here")

    assert not does_nothing_for(_policy(config_first), "other:index:T")
    assert not does_nothing_for(_policy(swallows), "other:index:T")
    assert not does_nothing_for(_policy(reports_by_type), "aws:s3/bucket:Bucket")
    assert does_nothing_for(_policy(reports_by_type), "other:index:T")


def test_the_servicer_calls_a_policy_only_for_types_it_may_judge() -> None:
    from pulumi.runtime.proto import analyzer_pb2

    calls: list[str] = []

    def secrets_only(args: Any, report: Any) -> None:
        calls.append(args.resource_type)
        if args.resource_type == "kubernetes:core/v1:Secret" and args.props.get("type") == "Opaque":
            report("an opaque Secret")

    servicer = SharedRequestServicer("p", "1", [_policy(secrets_only)], EnforcementLevel.MANDATORY)
    servicer._configured = True  # no runtime to configure in a test
    for resource_type in ["aws:kms/key:Key"] * 3 + ["kubernetes:core/v1:Secret"] * 2:
        request = analyzer_pb2.AnalyzeRequest(type=resource_type, urn="urn:pulumi:s::p::t::n", name="n")
        request.properties.update({"type": "Opaque"})
        response = servicer.Analyze(request, None)
        assert len(response.diagnostics) == (resource_type == "kubernetes:core/v1:Secret")
    # One probe per type, then only the type it judges: three KMS keys cost one call.
    assert calls == ["aws:kms/key:Key", "kubernetes:core/v1:Secret"] + ["kubernetes:core/v1:Secret"] * 2


def test_analyze_stack_reuses_what_analyze_read_only_for_the_same_resource() -> None:
    """`AnalyzeStack` gets every resource again: what `Analyze` deserialized is reused when the
    properties, options and provider are the same, and read afresh when they are not."""
    from pulumi.runtime.proto import analyzer_pb2
    from pulumi_policy import StackValidationPolicy

    analyzed: dict[str, Any] = {}
    stacked: dict[str, Any] = {}

    def resource(args: Any, report: Any) -> None:
        analyzed[args.name] = args.props
        if args.props.get("v") == "bad":
            report("bad")

    def stack(args: Any, report: Any) -> None:
        for r in args.resources:
            stacked[r.name] = r.props

    servicer = SharedRequestServicer(
        "p",
        "1",
        [ResourceValidationPolicy("r", "R.", resource), StackValidationPolicy("s", "S.", stack)],
        EnforcementLevel.MANDATORY,
    )
    servicer._configured = True  # no runtime to configure in a test
    entries = []
    for name, first, then in [("same", "ok", "ok"), ("changed", "ok", "bad"), ("new", None, "ok")]:
        urn = f"urn:pulumi:s::p::t:index:T::{name}"
        if first is not None:
            request = analyzer_pb2.AnalyzeRequest(type="t:index:T", urn=urn, name=name)
            request.properties.update({"v": first})
            servicer.Analyze(request, None)
        entry = analyzer_pb2.AnalyzerResource(type="t:index:T", urn=urn, name=name)
        entry.properties.update({"v": then})
        entries.append(entry)
    servicer.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=entries), None)
    assert {name: props["v"] for name, props in stacked.items()} == {
        "same": "ok",
        "changed": "bad",
        "new": "ok",
    }
    assert stacked["same"] is analyzed["same"], "read once, by Analyze"
    assert stacked["changed"] is not analyzed["changed"]
    assert servicer._analyzed == {}, "nothing kept past AnalyzeStack"
