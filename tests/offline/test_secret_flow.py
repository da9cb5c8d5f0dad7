"""The offline secret-flow checks: marking, provenance and destination of every secret value."""

from __future__ import annotations

import base64
import json

import pulumi
import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_kubernetes as k8s
import pulumi_random as random

from offline.runtime import Capture
from offline.secret_flow import findings, source_scanner
from tests.policies.conftest import PROJECT, run


def _token() -> pulumi.Output[str]:
    return pulumi.Config(PROJECT).require_secret("token")


def _found(capture: Capture, files: dict[str, str] | None = None) -> set[tuple[str, str]]:
    return {(f.check, f.reg.name) for f in findings(capture, [], source_scanner(capture, files))}


def test_secret_data_must_come_from_a_secret_source() -> None:
    def body() -> None:
        password = random.RandomPassword("password", length=32, keepers={"v": "1"})
        k8s.core.v1.Secret("from-config", string_data={"token": _token()})
        k8s.core.v1.Secret("generated", string_data={"password": password.result})
        k8s.core.v1.Secret(
            "base64-of-config",
            data={"token": _token().apply(lambda t: base64.b64encode(t.encode()).decode())},
        )
        k8s.core.v1.Secret(
            "connection-string", string_data={"url": _token().apply(lambda t: f"postgres://app:{t}@db/app")}
        )
        k8s.core.v1.Secret("literal", string_data={"token": "written-here"})
        k8s.core.v1.Secret("json-field", string_data={"config.json": json.dumps({"key": "written-here"})})
        aws.secretsmanager.SecretVersion("empty-document", secret_id="s", secret_string="{}")
        aws.secretsmanager.SecretVersion(
            "file", secret_id="s", secret_string=pulumi.Output.secret("-----BEGIN CERTIFICATE-----\nMIIB\n")
        )

    capture = run(body)
    found = {name for check, name in _found(capture) if check == "offline-secret-value-source"}
    assert found == {"literal", "json-field", "file"}, found
    with_files = _found(capture, {"certs/ca.crt": "-----BEGIN CERTIFICATE-----\nMIIB\n"})
    assert ("offline-secret-value-source", "file") not in with_files, "a file the stack names is a source"


def test_secrets_land_only_in_fields_the_provider_keeps_secret() -> None:
    def body() -> None:
        aws.ssm.Parameter("secure", name="/a", type="SecureString", value=_token())
        aws.ssm.Parameter("plain-string", name="/b", type="String", value=_token())
        aws.rds.Instance(
            "db",
            instance_class="db.t4g.micro",
            engine="postgres",
            allocated_storage=20,
            username="a",
            password=_token(),
        )
        azure_native.keyvault.Secret(
            "kv", resource_group_name="rg", vault_name="v", properties={"value": _token()}
        )
        aws.sns.Topic("named", name=_token())
        k8s.core.v1.ConfigMap("config", data={"token": _token()})
        k8s.core.v1.Secret(
            "annotated", metadata={"annotations": {"a": _token()}}, string_data={"t": _token()}
        )

    found = {name for check, name in _found(run(body)) if check == "offline-secret-in-plaintext-field"}
    assert found == {"plain-string", "named", "config", "annotated"}, found


def test_config_group_secrets_are_judged_like_secrets() -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}

    def body() -> None:
        k8s.yaml.v2.ConfigGroup(
            "marked", objs=[{**secret, "stringData": pulumi.Output.secret({"t": _token()})}]
        )
        k8s.yaml.v2.ConfigGroup("plain", objs=[{**secret, "stringData": {"t": "written-here"}}])
        k8s.yaml.v2.ConfigGroup(
            "in-yaml", yaml="apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {t: x}\n"
        )
        k8s.yaml.v2.ConfigGroup(
            "config-map", objs=[{"apiVersion": "v1", "kind": "ConfigMap", "data": {"t": "x"}}]
        )

    assert _found(run(body)) == {
        ("offline-secret-input-marked", "plain"),
        ("offline-secret-value-source", "plain"),
        ("offline-secret-input-marked", "in-yaml"),
        ("offline-secret-value-source", "in-yaml"),
    }


def test_messages_name_paths_never_values() -> None:
    def body() -> None:
        k8s.core.v1.Secret("literal", string_data={"token": "written-here-value"})
        aws.sns.Topic("named", name=_token())

    for finding in findings(capture := run(body), [], source_scanner(capture)):
        assert "written-here-value" not in finding.message and "spcanary" not in finding.message
        assert finding.message.endswith(".")
