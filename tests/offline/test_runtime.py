"""The capture engine: what the mock monitor records of each registration, on small programs."""

from __future__ import annotations

import asyncio
import math
import threading

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pulumi_random as random
import pytest
from google.protobuf import json_format, struct_pb2
from hypothesis import given, settings
from hypothesis import strategies as st

from offline.mocks import PlanMocks
from offline.plan import find_dropped, find_leaks, mask, mask_outputs
from offline.runtime import Capture, run_program, struct_dict

PROJECT = "secrets-platform"
CANARY = "spcanary-t-1-feedbeef"


def _run(body, config: dict[str, str] | None = None, secret_keys: list[str] | None = None) -> Capture:
    return run_program(
        body,
        project=PROJECT,
        stack="t",
        config=config if config is not None else {f"{PROJECT}:token": CANARY},
        secret_keys=secret_keys if secret_keys is not None else [f"{PROJECT}:token"],
        plan_mocks=PlanMocks("eu-west-1", "feedbeef"),
    )


def _by_name(capture: Capture, name: str):
    return next(r for r in capture.resources if r.name == name)


def test_captures_type_name_parent_inputs_and_options() -> None:
    def body() -> None:
        parent = pulumi.ComponentResource("test:index:Group", "group")
        key = aws.kms.Key(
            "key",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            opts=pulumi.ResourceOptions(parent=parent, protect=True, ignore_changes=["description"]),
        )
        aws.kms.Alias(
            "alias",
            name="alias/test",
            target_key_id=key.key_id,
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[key], delete_before_replace=True),
        )

    capture = _run(body)
    key = _by_name(capture, "key")
    alias = _by_name(capture, "alias")
    group = _by_name(capture, "group")
    assert key.type == "aws:kms/key:Key" and key.custom
    assert key.parent == group.urn, "the key is parented to its component"
    assert key.urn.endswith("test:index:Group$aws:kms/key:Key::key")
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == 30
    assert key.options["protect"] is True
    assert key.options["ignoreChanges"] == ["description"]
    assert alias.options["deleteBeforeReplace"] is True
    assert key.urn in alias.options["dependsOn"]
    assert alias.inputs["targetKeyId"].endswith("0000"), "the alias reads the mocked key id"
    assert alias.property_dependencies["targetKeyId"] == [key.urn]


def test_secret_inputs_are_marked_by_path_and_generated_values_are_secret() -> None:
    def body() -> None:
        token = pulumi.Config(PROJECT).require_secret("token")
        password = random.RandomPassword("password", length=24)
        k8s.core.v1.Secret(
            "creds", metadata={"name": "creds"}, string_data={"token": token, "pw": password.result}
        )
        k8s.core.v1.ConfigMap("plain", data={"mode": "strict"})

    capture = _run(body)
    creds = _by_name(capture, "creds")
    assert creds.secret_paths == ["stringData"], "the whole stringData map is secret"
    assert creds.inputs["stringData"]["token"] == CANARY
    assert creds.inputs["stringData"]["pw"].startswith("spgenerated-")
    assert _by_name(capture, "plain").secret_paths == []
    assert _by_name(capture, "password").options["additionalSecretOutputs"] == ["bcryptHash", "result"]
    assert find_leaks(capture) == []
    assert mask(creds.inputs, creds.secret_paths)["stringData"] == "[secret]"


def test_secret_read_with_a_plain_getter_is_a_leak_named_by_resource_and_path() -> None:
    def body() -> None:
        k8s.core.v1.ConfigMap("leaky", data={"token": pulumi.Config(PROJECT).get("token")})

    findings = find_leaks(_run(body))
    assert len(findings) == 1
    assert "'data.token'" in findings[0] and "ConfigMap::leaky" in findings[0]
    assert CANARY not in findings[0]


def test_generated_secret_unwrapped_into_a_plain_field_is_a_leak() -> None:
    def body() -> None:
        password = random.RandomPassword("password", length=24)
        plain = password.result.apply(lambda v: v)  # still secret: Pulumi keeps secretness
        unwrapped = pulumi.Output.unsecret(plain)
        k8s.core.v1.ConfigMap("cm", metadata={"annotations": {"hint": unwrapped}})

    findings = find_leaks(_run(body))
    assert findings == [
        "secret value in plain input 'metadata.annotations.hint' of "
        "urn:pulumi:t::secrets-platform::kubernetes:core/v1:ConfigMap::cm"
    ]


def test_base64_encoded_secret_in_a_plain_field_is_a_leak() -> None:
    import base64

    def body() -> None:
        token = pulumi.Config(PROJECT).get("token") or ""
        k8s.core.v1.ConfigMap("b64", data={"blob": base64.b64encode(token.encode()).decode()})

    assert len(find_leaks(_run(body))) == 1


def test_secret_in_a_log_message_is_a_leak() -> None:
    def body() -> None:
        pulumi.log.info("token is " + (pulumi.Config(PROJECT).get("token") or ""))

    assert find_leaks(_run(body)) == ["secret value in a info log message of the program"]


def test_input_built_from_an_output_the_mocks_lack_is_reported_as_dropped() -> None:
    def body() -> None:
        cluster = aws.eks.Cluster(
            "eks", role_arn="arn:aws:iam::111122223333:role/x", vpc_config={"subnet_ids": ["a"]}
        )
        # The mocks do not return kubernetesNetworkConfig.serviceIpv4Cidr: a real preview would know it.
        aws.ec2.SecurityGroupRule(
            "rule",
            type="ingress",
            from_port=443,
            to_port=443,
            protocol="tcp",
            security_group_id="sg-0123456789abcdef0",
            cidr_blocks=[cluster.kubernetes_network_config.service_ipv4_cidr],
        )

    dropped = find_dropped(_run(body))
    assert len(dropped) == 1, dropped
    assert "cidrBlocks[0]" in dropped[0] and "SecurityGroupRule::rule" in dropped[0]


def test_input_built_from_a_missing_top_level_output_is_reported_as_dropped() -> None:
    def body() -> None:
        # The mocks return no `certificateArn` for a load balancer listener certificate.
        cert = aws.acm.Certificate("cert", domain_name="example.com", validation_method="DNS")
        aws.ssm.Parameter("p", type="String", value=cert.not_after)

    dropped = find_dropped(_run(body))
    assert len(dropped) == 1, dropped
    assert "'value'" in dropped[0] and "Parameter::p" in dropped[0]


def test_mocks_return_what_the_program_reads() -> None:
    seen: dict[str, str] = {}

    def body() -> None:
        cluster = aws.eks.Cluster(
            "eks", role_arn="arn:aws:iam::111122223333:role/x", vpc_config={"subnet_ids": ["a"]}
        )
        cluster.endpoint.apply(lambda v: seen.__setitem__("endpoint", v))
        cluster.identities[0].oidcs[0].issuer.apply(lambda v: seen.__setitem__("issuer", v))
        aws.kms.Key("k").arn.apply(lambda v: seen.__setitem__("arn", v))

    _run(body)
    assert seen["endpoint"].startswith("https://") and ".eks.amazonaws.com" in seen["endpoint"]
    assert seen["issuer"].startswith("https://oidc.eks.eu-west-1.amazonaws.com/id/")
    assert seen["arn"].startswith("arn:aws:kms:eu-west-1:111122223333:key/")


def test_a_secret_in_a_plain_map_key_is_a_leak_without_naming_the_path() -> None:
    def body() -> None:
        k8s.core.v1.ConfigMap("keyed", data={pulumi.Config(PROJECT).get("token") or "": "v"})

    findings = find_leaks(_run(body))
    assert len(findings) == 1 and "ConfigMap::keyed" in findings[0]
    assert CANARY not in findings[0]


def test_stack_outputs_exported_as_secrets_are_masked_not_leaks() -> None:
    def body() -> None:
        password = random.RandomPassword("password", length=24)
        pulumi.export("password", password.result)
        pulumi.export("computed", pulumi.Output.secret("a-computed-secret-value"))
        pulumi.export("nested", {"inner": pulumi.Output.secret("a-nested-secret-value"), "plain": "x"})
        pulumi.export("name", "plain")

    capture = _run(body)
    assert find_leaks(capture) == []
    assert mask_outputs(capture) == {
        "password": "[secret]",
        "computed": "[secret]",
        "nested": {"inner": "[secret]", "plain": "x"},
        "name": "plain",
    }


def test_a_placeholder_of_a_stack_named_with_capitals_is_found_inside_a_plain_value() -> None:
    placeholder = "spcanary-Prod_EU-1-feedbeef"

    def body() -> None:
        token = pulumi.Config(PROJECT).get("token") or ""
        k8s.core.v1.ConfigMap("cm", data={"url": f"https://api?key={token}"})

    findings = find_leaks(_run(body, {f"{PROJECT}:token": placeholder}, [f"{PROJECT}:token"]))
    assert len(findings) == 1 and "'data.url'" in findings[0]


def test_urns_are_the_engines_own_on_a_nested_component_tree() -> None:
    """generateURN (pulumi/pulumi, deployment code): the parent's whole qualified type chain, then the
    type; the root stack's type is left out. Expected URNs are derived here from that rule alone."""

    def body() -> None:
        outer = pulumi.ComponentResource("pkg:index:Outer", "outer")
        inner = pulumi.ComponentResource(
            "pkg:index:Inner", "inner", opts=pulumi.ResourceOptions(parent=outer)
        )
        aws.kms.Key("key", opts=pulumi.ResourceOptions(parent=inner))
        aws.kms.Key("top")

    capture = _run(body)
    chains = {"outer": ["pkg:index:Outer"], "inner": ["pkg:index:Outer", "pkg:index:Inner"]}
    chains["key"] = [*chains["inner"], "aws:kms/key:Key"]
    chains["top"] = ["aws:kms/key:Key"]
    for name, chain in chains.items():
        expected = f"urn:pulumi:t::{PROJECT}::{'$'.join(chain)}::{name}"
        assert _by_name(capture, name).urn == expected, name
    assert not any("pulumi:pulumi:Stack$" in r.urn for r in capture.resources), "the root stack is left out"
    assert _by_name(capture, "key").parent == _by_name(capture, "inner").urn


class _RecordingMocks(PlanMocks):
    """PlanMocks that remember the thread of each answer, and can answer with a value still to come."""

    def __init__(self, *, awaited: bool = False, failing: str = "") -> None:
        super().__init__("eu-west-1", "feedbeef")
        self.threads: set[int] = set()
        self.awaited = awaited
        self.failing = failing

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.threads.add(threading.get_ident())
        if args.name == self.failing:
            raise RuntimeError(f"the mock refuses {args.name}")
        resource_id, state = super().new_resource(args)
        if self.awaited:
            # Serializing a pending awaitable makes the monitor wait on the running loop.
            state = {**state, "later": asyncio.sleep(0, result="from-the-loop")}
        return resource_id, state


def _run_with(mocks: PlanMocks, body) -> Capture:
    return run_program(body, project=PROJECT, stack="t", config={}, secret_keys=[], plan_mocks=mocks)


def test_the_mock_monitor_answers_on_the_programs_thread() -> None:
    mocks = _RecordingMocks()

    def body() -> None:
        parent = pulumi.ComponentResource("test:index:Group", "group")
        for i in range(20):
            random.RandomPassword(f"pw-{i}", length=16, opts=pulumi.ResourceOptions(parent=parent))

    capture = _run_with(mocks, body)
    assert len([r for r in capture.resources if r.type == "random:index/randomPassword:RandomPassword"]) == 20
    assert mocks.threads == {threading.get_ident()}, "no monitor call went through a thread pool"


def test_a_mock_answer_that_must_be_awaited_still_reaches_the_program() -> None:
    mocks = _RecordingMocks(awaited=True)
    seen: list[str] = []

    def body() -> None:
        first = pulumi.CustomResource("test:index:Thing", "first", {"later": None})
        second = pulumi.CustomResource(
            "test:index:Thing",
            "second",
            {"fromFirst": first.later, "later": None},  # type: ignore[attr-defined]
        )
        second.later.apply(seen.append)  # type: ignore[attr-defined]

    capture = _run_with(mocks, body)
    assert _by_name(capture, "second").inputs["fromFirst"] == "from-the-loop"
    assert seen == ["from-the-loop"]


def test_a_mock_that_raises_fails_the_run_with_its_error() -> None:
    def body() -> None:
        pulumi.CustomResource("test:index:Thing", "fine", {})
        pulumi.CustomResource("test:index:Thing", "broken", {})

    with pytest.raises(Exception, match="the mock refuses broken"):
        _run_with(_RecordingMocks(failing="broken"), body)


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.text(max_size=8)
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=6), _JSON, max_size=6))
def test_struct_dict_is_message_to_dict(value: dict) -> None:
    struct = struct_pb2.Struct()
    struct.update(value)
    expected = json_format.MessageToDict(struct)
    got = struct_dict(struct)
    assert got == expected
    assert repr(got) == repr(expected), "same types (floats) and the same key order"


@pytest.mark.parametrize("number", [math.inf, -math.inf, math.nan])
def test_struct_dict_refuses_what_json_cannot_hold_as_message_to_dict_does(number: float) -> None:
    struct = struct_pb2.Struct()
    struct.update({"n": number})
    with pytest.raises(ValueError):
        json_format.MessageToDict(struct)
    with pytest.raises(ValueError):
        struct_dict(struct)
