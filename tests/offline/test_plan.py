"""The plan command end to end on the real stacks: tree, JSON format, and the secret canaries."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from offline.cli import main
from offline.passphrase import decrypt, key_from_salt_state
from offline.plan import MASK, PLAN_FORMAT, PLAN_VERSION, Plan, capture_stack
from offline.stackfiles import read_stack
from tests.conftest import ROOT, dev_stack

DEV_PASSPHRASE = "dev-only-example-passphrase"  # documented in the README; dev's example values only
CANARY = re.compile(r"(spcanary|spgenerated)-[a-z0-9-]+")


def _plan_cli(
    project_dir: Path, stack: str, out: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[str, str]:
    code = main(["--project-dir", str(project_dir), "plan", "--stack", stack, "--out", str(out)])
    stdout, stderr = capsys.readouterr()
    assert code == 0, stderr
    return stdout, stderr


def test_dev_secure_values_decrypt_with_the_documented_passphrase() -> None:
    doc = dev_stack()
    key = key_from_salt_state(DEV_PASSPHRASE, doc["encryptionsalt"])
    secure = {k: v["secure"] for k, v in doc["config"].items() if isinstance(v, dict) and "secure" in v}
    assert set(secure) == {
        "secrets-platform:paymentsProviderApiKey",
        "secrets-platform:bffTlsCert",
        "secrets-platform:bffTlsKey",
        "secrets-platform:mapsApiKey",
        "secrets-platform:bffCmsToken",
    }
    values = {k: decrypt(key, v) for k, v in secure.items()}
    assert values["secrets-platform:bffTlsCert"].startswith("-----BEGIN CERTIFICATE-----")
    assert values["secrets-platform:bffTlsKey"].startswith("-----BEGIN PRIVATE KEY-----")


def test_stack_reader_turns_each_secure_value_into_a_unique_secret_placeholder(tmp_path: Path) -> None:
    stack_input = read_stack(ROOT, "dev")
    assert stack_input.secret_keys == [
        "secrets-platform:paymentsProviderApiKey",
        "secrets-platform:bffTlsCert",
        "secrets-platform:bffTlsKey",
        "secrets-platform:mapsApiKey",
        "secrets-platform:bffCmsToken",
    ]
    values = [stack_input.config[k] for k in stack_input.secret_keys]
    assert len(set(values)) == 5 and all(v in stack_input.placeholders for v in values)
    assert not any(v.startswith("v1:") for v in values), "the engine never hands ciphertext to the program"
    # namespaced keys, structured values as JSON, other namespaces kept as they are
    assert stack_input.config["aws:region"] == "eu-west-1"
    assert json.loads(stack_input.config["secrets-platform:cluster"])["nodeCount"] == 2
    # project defaults from Pulumi.yaml apply when the stack is silent (a dev without `edge`)
    (tmp_path / "Pulumi.yaml").write_text(
        (ROOT / "Pulumi.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    silent = dev_stack()
    del silent["config"]["secrets-platform:edge"]
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(silent), encoding="utf-8")
    assert read_stack(tmp_path, "dev").config["secrets-platform:edge"] == "{}"


def test_stack_reader_needs_no_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    assert read_stack(ROOT, "prod").secret_keys, "prod's cloud-KMS ciphertexts are read without any key"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_plan_writes_versioned_json_with_options_and_secret_paths(
    stack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stdout, _ = _plan_cli(ROOT, stack, tmp_path / "plan.json", capsys)
    doc = json.loads((tmp_path / "plan.json").read_text())
    assert doc["format"] == PLAN_FORMAT and doc["version"] == PLAN_VERSION
    assert doc["stack"] == stack and doc["resourceCount"] == len(doc["resources"]) > 10
    plan = Plan.from_json(doc)
    secrets = [r for r in plan.resources if r.type == "kubernetes:core/v1:Secret"]
    assert secrets, "the stack declares Kubernetes Secrets"
    for secret in secrets:
        assert "stringData" in secret.secret_paths, f"{secret.urn} stringData is a secret input"
        assert secret.inputs["stringData"] == MASK, f"{secret.urn} value is masked in the plan"
    protected = [r for r in plan.resources if r.options["protect"]]
    assert protected, "keys and vaults are protected"
    for resource in plan.resources:
        assert set(resource.options) >= {
            "protect",
            "retainOnDelete",
            "deleteBeforeReplace",
            "dependsOn",
            "ignoreChanges",
            "aliases",
            "additionalSecretOutputs",
        }, resource.urn
    assert f"Offline plan of stack {stack}" in stdout and "resources to create" in stdout
    text = (tmp_path / "plan.json").read_text()
    lines = text.splitlines()
    assert json.loads(text) == plan.to_json() == doc
    urns = [json.loads(line.rstrip(","))["urn"] for line in lines if line.startswith('  {"')]
    assert urns == [r.urn for r in plan.resources], "one resource per line, in the plan's order"


def test_canaries_never_reach_stdout_stderr_logs_or_the_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stdout, stderr = _plan_cli(ROOT, "dev", tmp_path / "plan.json", capsys)
    text = (tmp_path / "plan.json").read_text()
    for where, content in {"stdout": stdout, "stderr": stderr, "json": text, "logs": caplog.text}.items():
        assert not CANARY.search(content), f"a secret placeholder reached {where}"
    # and the real dev values, decrypted here only, are nowhere either
    doc = dev_stack()
    key = key_from_salt_state(DEV_PASSPHRASE, doc["encryptionsalt"])
    for value in (
        decrypt(key, v["secure"]) for v in doc["config"].values() if isinstance(v, dict) and "secure" in v
    ):
        for line in value.splitlines()[1:2] or [value]:
            assert line not in stdout + stderr + text


def test_the_program_receives_every_canary_as_a_secret() -> None:
    stack_input, capture, plan_mocks = capture_stack(ROOT, "dev")
    seen_secret: set[str] = set()
    for reg in capture.resources:
        for path in reg.secret_paths:
            blob = json.dumps(_at(reg.inputs, path))
            seen_secret |= {m.group(0) for m in CANARY.finditer(blob)}
    assert set(stack_input.placeholders) <= seen_secret, "each secure value reached a secret input"
    assert set(plan_mocks.generated) <= seen_secret, "each generated password reached a secret input"


def _at(node: object, path: str) -> object:
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]  # type: ignore[index]
    return node


def test_a_leak_fails_the_plan_naming_resource_and_path_not_value(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    project_dir = project(dev_stack())
    (project_dir / "__main__.py").write_text(
        (ROOT / "__main__.py").read_text()
        + "\nimport pulumi_kubernetes as k8s\n"
        + "k8s.core.v1.ConfigMap('oops', data={'k': pulumi.Config().get('mapsApiKey')})\n"
    )
    code = main(["--project-dir", str(project_dir), "plan", "--stack", "t"])
    stdout, stderr = capsys.readouterr()
    assert code == 1
    assert "secret value in plain input 'data.k' of" in stderr and "ConfigMap::oops" in stderr
    assert not CANARY.search(stdout + stderr)
