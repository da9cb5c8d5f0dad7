"""`secrets-platform import`: secrets made by `kubectl create secret generic` and store secrets adopted
into the dev stack, values never in the stack file in clear nor in any output, and a `pulumi import`
file whose names and parents are exactly those the program declares."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline import exits, importer
from offline.catalogue import load_catalogue
from offline.cli import main
from offline.importer import config_key_for
from offline.leaks import LeakScanner
from offline.passphrase import decrypt, key_from_salt_state
from offline.plan import make_plan
from tests.keyvault_fake import NOW, FakeKeyVault, client_for
from tests.offline._gitrepo import Repo, make_repo

PASSPHRASE = "dev-only-example-passphrase"
CANARY = "adopted-password-canary-5e1f0b77"
KUBECTL = f"""apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  metadata: {{name: legacy-db, namespace: payments, uid: 3f1c2a4e, resourceVersion: "12"}}
  type: Opaque
  data:
    password: {base64.b64encode(CANARY.encode()).decode()}
    db.user: {base64.b64encode(b"appuser").decode()}
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    return make_repo(tmp_path / "repo", full=True, first=datetime(2026, 1, 5, tzinfo=UTC))


def _run(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    repo: Repo,
    *argv: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["import", "-C", str(repo.path), *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_config_keys_are_camel_case_of_the_secret_and_key() -> None:
    assert config_key_for("legacy-db", "db.user") == "legacyDbDbUser"
    assert config_key_for("payments-legacy", "db_password") == "paymentsLegacyDbPassword"


def test_a_kubectl_secret_becomes_a_literal_entry_with_encrypted_values(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    before = repo.stack_file().read_text()
    code, out, err = _run(
        monkeypatch,
        capsys,
        repo,
        "-s",
        "dev",
        "--from-kubectl",
        "-",
        "--reader",
        "payments-api",
        stdin=KUBECTL,
    )
    assert code == exits.OK, err
    after = repo.stack_file().read_text()
    assert after.startswith(before[: before.index("  secrets-platform:apps:")]), (
        "lines before the new entry are kept"
    )
    doc = yaml.safe_load(after)
    entry = doc["config"]["secrets-platform:secrets"][-1]
    assert entry == {
        "name": "legacy-db",
        "description": "Adopted from the Kubernetes Secret payments/legacy-db",
        "source": "literal",
        "keys": {"db.user": "legacyDbDbUser", "password": "legacyDbPassword"},
        "namespace": "payments",
        "readers": ["payments-api"],
        "rotationDays": 90,
    }
    key = key_from_salt_state(PASSPHRASE, doc["encryptionsalt"])
    assert decrypt(key, doc["config"]["secrets-platform:legacyDbPassword"]["secure"]) == CANARY
    assert CANARY not in after and not LeakScanner([CANARY]).found_in(out + err)
    assert "kubectl delete secret legacy-db -n payments" in out
    names = {r.inputs.get("metadata", {}).get("name") for r in make_plan(repo.path, "dev").resources}
    assert "legacy-db-v1" in names, "the adopted entry plans as the platform's versioned Secret"


def test_a_cloud_kms_stack_gets_commands_that_never_show_the_value(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(monkeypatch, capsys, repo, "-s", "prod", "--from-kubectl", "-", stdin=KUBECTL)
    assert code == exits.OK, err
    assert (
        "  kubectl get secret legacy-db -n payments -o jsonpath='{.data.db\\.user}' | base64 -d | "
        "pulumi config set --secret --stack prod legacyDbDbUser"
    ) in out
    assert (
        "secure"
        not in repo.stack_file("prod").read_text().split("legacy-db")[1].split("secrets-platform:apps")[0]
    )
    assert not LeakScanner([CANARY]).found_in(out + err + repo.stack_file("prod").read_text())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            KUBECTL.replace("type: Opaque", "type: kubernetes.io/service-account-token"),
            "not an application secret",
        ),
        (KUBECTL.replace("kind: Secret", "kind: ConfigMap"), "expected Secrets"),
        (KUBECTL.replace("name: legacy-db", "name: payments-db"), "already has an entry named payments-db"),
        (KUBECTL.replace("--reader", ""), None),
    ],
)
def test_what_cannot_be_adopted_is_refused_and_nothing_changes(
    repo: Repo,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    message: str | None,
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    before = repo.stack_file().read_text()
    reader = "orders-api"  # a workload of another namespace than the Secret: the models refuse it
    code, out, err = _run(
        monkeypatch, capsys, repo, "-s", "dev", "--from-kubectl", "-", "--reader", reader, stdin=text
    )
    assert code == exits.BAD_INPUT and err.count("\n") == 1
    assert message is None or message in err
    if message is None:
        assert "would make the stack invalid" in err and "readers[0]" in err
    assert repo.stack_file().read_text() == before and CANARY not in out + err


def test_a_secrets_manager_secret_is_adopted_with_an_import_file(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sm: Any
) -> None:
    arn = sm.create_secret(
        Name="secrets-dev/partner-api", SecretString=json.dumps({"token": CANARY, "account": "acme"})
    )["ARN"]
    sm.create_secret(Name="legacy/other", SecretString="{}")
    monkeypatch.setattr(importer, "from_environment", lambda: {"secrets-manager": lambda _c: sm})
    code, _, err = _run(monkeypatch, capsys, repo, "-s", "dev", "--from-secrets-manager", "legacy/other")
    assert code == exits.BAD_INPUT and "names its secrets <cluster>/<name>" in err
    code, out, err = _run(
        monkeypatch,
        capsys,
        repo,
        "-s",
        "dev",
        "--from-secrets-manager",
        "secrets-dev/partner-api",
        "--reader",
        "orders-api",
    )
    assert code == exits.OK, err
    entry = load_catalogue(repo.path, "dev").entry("partner-api")
    assert entry is not None and entry.source == "cloud" and entry.generate is False
    assert list(entry.keys) == ["account", "token"] and entry.readers == ["orders-api"]
    document = json.loads(Path("out/import-dev.json").read_text())
    plan = make_plan(repo.path, "dev")
    (declared,) = [
        r
        for r in plan.resources
        if r.type == "aws:secretsmanager/secret:Secret" and r.inputs["name"] == "secrets-dev/partner-api"
    ]
    *components, secret = document["resources"]
    assert secret == {
        "type": "aws:secretsmanager/secret:Secret",
        "name": declared.name,
        "id": arn,
        "parent": components[-1]["name"],
    }
    by_urn = plan.by_urn()
    chain, node = [], by_urn[declared.parent]
    while node is not None:
        chain.append(
            {
                "type": node.type,
                "name": node.name,
                "component": True,
                **({"parent": by_urn[node.parent].name} if node.parent in by_urn else {}),
            }
        )
        node = by_urn.get(node.parent)
    assert components == list(reversed(chain)), "the parents, outermost first, as the program declares them"
    assert "pulumi import --stack dev --file out/import-dev.json --generate-code=false" in out
    assert not LeakScanner([CANARY]).found_in(
        out + err + json.dumps(document) + repo.stack_file().read_text()
    )


def test_parents_that_exist_are_named_by_urn(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sm: Any
) -> None:
    sm.create_secret(Name="secrets-dev/partner-api", SecretString=json.dumps({"token": CANARY}))
    monkeypatch.setattr(importer, "from_environment", lambda: {"secrets-manager": lambda _c: sm})
    before = repo.stack_file().read_text()
    argv = ("-s", "dev", "--from-secrets-manager", "secrets-dev/partner-api", "--parents-exist")
    code, _, err = _run(monkeypatch, capsys, repo, *argv)
    assert code == exits.BAD_INPUT and "do not plan; nothing written" in err and "add such a reader" in err
    assert repo.stack_file().read_text() == before, "a refused adoption leaves the stack file as it was"
    code, _, err = _run(monkeypatch, capsys, repo, *argv, "--reader", "orders-api")
    assert code == exits.OK, err
    document = json.loads(Path("out/import-dev.json").read_text())
    (secret,) = document["resources"]
    ((parent_name, parent_urn),) = document["nameTable"].items()
    assert secret["parent"] == parent_name and parent_urn.endswith(
        f"secrets-platform:aws_secret_store:AwsSecretStore::{parent_name}"
    )


def test_a_key_vault_secret_gets_its_arm_id(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vault = FakeKeyVault()
    vault.put(
        "secrets-prod-partner-api",
        json.dumps({"token": CANARY}),
        tags={},
        exp=None,
        created=int(NOW.timestamp()),
    )
    monkeypatch.setattr(importer, "from_environment", lambda: {"key-vault": lambda _c: client_for(vault)})
    code, _, err = _run(
        monkeypatch, capsys, repo, "-s", "prod", "--from-key-vault", "secrets-prod-partner-api"
    )
    assert code == exits.BAD_INPUT and "--subscription-id" in err
    subscription = "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    code, out, err = _run(
        monkeypatch,
        capsys,
        repo,
        "-s",
        "prod",
        "--from-key-vault",
        "secrets-prod-partner-api",
        "--subscription-id",
        subscription,
        "--reader",
        "orders-api",
    )
    assert code == exits.OK, err
    secret = json.loads(Path("out/import-prod.json").read_text())["resources"][-1]
    assert secret["type"] == "azure-native:keyvault:Secret"
    assert secret["id"] == (
        f"/subscriptions/{subscription}/resourceGroups/rg-secrets-prod/providers/Microsoft.KeyVault/vaults/"
        "kv-secrets-prod-weu/secrets/secrets-prod-partner-api"
    )
    assert not LeakScanner([CANARY]).found_in(out + err)


def test_json_lists_what_was_adopted_and_the_commands(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(
        monkeypatch, capsys, repo, "-s", "prod", "--from-kubectl", "-", "--json", stdin=KUBECTL
    )
    doc = json.loads(out)
    assert code == exits.OK and doc["format"] == "secrets-platform/import" and doc["adopted"] == ["legacy-db"]
    assert (
        doc["importFile"] is None
        and len(doc["commands"]) == 2
        and not LeakScanner([CANARY]).found_in(out + err)
    )
