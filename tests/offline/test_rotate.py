"""`secrets-platform rotate` on copies of the shipped stacks: the stack file keeps every byte but the
rotated lines, new values never appear anywhere but as ciphertext, and store secrets rotate in the store."""

from __future__ import annotations

import difflib
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline import exits, rotate
from offline.cli import main
from offline.leaks import LeakScanner
from offline.passphrase import decrypt, key_from_salt_state
from tests.conftest import ROOT
from tests.offline._gitrepo import Repo, make_repo

PASSPHRASE = "dev-only-example-passphrase"
CANARY = "rotated-value-canary-7f3a9c0e51d2"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    return make_repo(tmp_path, first=datetime(2026, 1, 5, tzinfo=UTC))


def _run(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main([argv[0], "-C", str(repo.path), *argv[1:]])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _changed_lines(before: str, after: str) -> list[str]:
    return [
        line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:2] in ("- ", "+ ")
    ]


def _secure(repo: Repo, key: str, stack: str = "dev") -> str:
    return yaml.safe_load(repo.stack_file(stack).read_text())["config"][f"secrets-platform:{key}"]["secure"]


def test_a_literal_rotation_changes_exactly_two_lines_and_the_value_decrypts(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    before = repo.stack_file().read_text()
    code, out, err = _run(
        repo, capsys, monkeypatch, "rotate", "-s", "dev", "payments-provider", "--reason", "quarterly", "--no-diff",
        stdin=CANARY + "\n",
    )  # fmt: skip
    after = repo.stack_file().read_text()
    assert code == exits.OK, err
    changed = _changed_lines(before, after)
    today = datetime.now(UTC).date().isoformat()
    assert changed[0] == f"+       version: 2  # rotated {today}: quarterly"
    assert [c[:2] for c in changed[1:]] == ["- ", "+ "] and "secure: v1:" in changed[2]
    assert len(changed) == 3, "every other byte of the shipped stack file is kept"
    salt = yaml.safe_load(after)["encryptionsalt"]
    assert decrypt(key_from_salt_state(PASSPHRASE, salt), _secure(repo, "paymentsProviderApiKey")) == CANARY
    assert not LeakScanner([CANARY]).found_in(out + err), "the value is never printed"
    assert "payments-provider: version 1 -> 2" in out and "payments-provider-v2" in out


def test_a_value_on_the_command_line_is_refused_without_echo(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    before = repo.stack_file().read_text()
    code, out, err = _run(
        repo,
        capsys,
        monkeypatch,
        "rotate",
        "-s",
        "dev",
        "payments-provider",
        "--value-from",
        f"api-key={CANARY}",
    )
    assert code == exits.USAGE and CANARY not in out + err
    assert repo.stack_file().read_text() == before


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "set PULUMI_CONFIG_PASSPHRASE"),
        ({"PULUMI_CONFIG_PASSPHRASE": "not-the-passphrase"}, "is not the passphrase"),
    ],
)
def test_without_the_right_passphrase_nothing_changes(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, env: dict, message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    before = repo.stack_file().read_text()
    code, _, err = _run(repo, capsys, monkeypatch, "rotate", "-s", "dev", "payments-provider", stdin=CANARY)
    assert code == exits.BAD_INPUT and message in err and err.count("\n") == 1
    assert repo.stack_file().read_text() == before


def test_the_passphrase_file_is_read_as_the_cli_reads_it(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "pass").write_text(PASSPHRASE + "\n")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE_FILE", str(tmp_path / "pass"))
    code, _, err = _run(
        repo, capsys, monkeypatch, "rotate", "-s", "dev", "maps-api-key", "--no-diff", stdin=CANARY
    )
    assert code == exits.OK, err


def test_a_cloud_kms_stack_gets_the_exact_command_and_no_prompt(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = repo.stack_file("prod").read_text()
    stdin = io.StringIO(CANARY)
    monkeypatch.setattr("sys.stdin", stdin)
    code = main(["rotate", "-C", str(repo.path), "-s", "prod", "payments-provider", "--no-diff"])
    out, err = capsys.readouterr()
    assert code == exits.OK, err
    assert stdin.tell() == 0, "no value is asked for: only the KMS can encrypt it"
    assert "  pulumi config set --secret --stack prod paymentsProviderApiKey   # prompts for" in out
    changed = _changed_lines(before, repo.stack_file("prod").read_text())
    assert len(changed) == 1 and changed[0].startswith("+       version: 2  # rotated ")


def test_a_literal_with_two_keys_takes_each_from_its_source(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    certificate = (
        "-----BEGIN CERTIFICATE-----\nMIIBcanarycertificatebody0123456789\n-----END CERTIFICATE-----\n"
    )
    (tmp_path / "tls.crt").write_text(certificate)
    code, _, err = _run(repo, capsys, monkeypatch, "rotate", "-s", "dev", "bff-tls", "--no-diff")
    assert code == exits.BAD_INPUT and "missing: tls.crt, tls.key" in err
    code, out, err = _run(
        repo, capsys, monkeypatch, "rotate", "-s", "dev", "bff-tls", "--no-diff",
        "--value-from", f"tls.crt=@{tmp_path / 'tls.crt'}", "--value-from", "tls.key=-", stdin=CANARY,
    )  # fmt: skip
    assert code == exits.OK, err
    key = key_from_salt_state(PASSPHRASE, yaml.safe_load(repo.stack_file().read_text())["encryptionsalt"])
    assert decrypt(key, _secure(repo, "bffTlsCert")) == certificate.rstrip("\n")
    assert decrypt(key, _secure(repo, "bffTlsKey")) == CANARY
    assert not LeakScanner([CANARY, certificate]).found_in(out + err)


def test_a_reason_holding_the_value_is_refused(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    before = repo.stack_file().read_text()
    code, out, err = _run(
        repo,
        capsys,
        monkeypatch,
        "rotate",
        "-s",
        "dev",
        "maps-api-key",
        "--reason",
        f"new key {CANARY.upper()}",
        stdin=CANARY,
    )
    assert code == exits.BAD_INPUT and "--reason holds the new value" in err
    assert repo.stack_file().read_text() == before and CANARY not in (out + err).lower()


def test_a_generated_secret_is_a_version_bump_only(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = repo.stack_file().read_text()
    code, out, _ = _run(repo, capsys, monkeypatch, "rotate", "-s", "dev", "payments-db", "--no-diff")
    assert code == exits.OK and "payments-db: version 1 -> 2" in out
    assert len(_changed_lines(before, repo.stack_file().read_text())) == 1


def test_a_file_secret_reminds_which_files_to_replace(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo.path / "certs").mkdir()
    (repo.path / "certs" / "payments-ca.crt").write_text((ROOT / "certs" / "payments-ca.crt").read_text())
    repo.commit("the CA bundle", datetime(2026, 1, 4, tzinfo=UTC))
    code, out, _ = _run(repo, capsys, monkeypatch, "rotate", "-s", "dev", "payments-ca", "--no-diff")
    assert code == exits.OK
    assert "  ca.crt: certs/payments-ca.crt  (unchanged since the current version began)" in out


def test_a_store_secret_needs_now_and_a_platform_secret_refuses_it(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = _run(repo, capsys, monkeypatch, "rotate", "-s", "dev", "orders-queue")
    assert code == exits.BAD_INPUT and "secrets-manager rotates it" in err and "--now" in err
    code, _, err = _run(repo, capsys, monkeypatch, "rotate", "-s", "dev", "payments-db", "--now")
    assert code == exits.BAD_INPUT and "held by the platform" in err


def test_an_unknown_name_is_one_line_naming_the_file(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = _run(repo, capsys, monkeypatch, "rotate", "-s", "dev", "payments-dbb")
    assert code == exits.BAD_INPUT and err.count("\n") == 1
    assert err.startswith(
        'error: Pulumi.dev.yaml: secrets-platform:secrets: found no entry named "payments-dbb"'
    )


def test_now_starts_the_secrets_manager_rotation(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, rotated_queue: Any
) -> None:
    sm = rotated_queue
    current = sm.describe_secret(SecretId="secrets-dev/orders-queue")["VersionIdsToStages"]
    monkeypatch.setattr(rotate, "from_environment", lambda: {"secrets-manager": lambda _c: sm})
    before = repo.stack_file().read_text()
    code, out, err = _run(repo, capsys, monkeypatch, "rotate", "-s", "dev", "orders-queue", "--now")
    assert code == exits.OK, err
    after = sm.describe_secret(SecretId="secrets-dev/orders-queue")["VersionIdsToStages"]
    (new,) = [v for v, stages in after.items() if "AWSCURRENT" in stages]
    assert new not in current and f"version {new} is current" in out
    assert "secrets-platform revoke --stack dev orders-queue --apply" in out
    assert repo.stack_file().read_text() == before, "a store rotation leaves the stack file alone"


def test_the_review_diff_shows_what_the_pull_request_will(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path, full=True, first=datetime(2026, 1, 5, tzinfo=UTC))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code = main(["rotate", "-C", str(repo.path), "-s", "dev", "cms-admin"])
    out, err = capsys.readouterr()
    assert code == exits.OK, err
    review = out[out.index("Next: commit") :]
    assert "cms-admin-v2" in review and "cms-admin-v1" in review, review[:3000]


def test_json_is_the_versioned_envelope(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = _run(
        repo, capsys, monkeypatch, "rotate", "-s", "dev", "cms-signing", "--no-diff", "--json"
    )
    doc = json.loads(out)
    assert code == exits.OK and (doc["format"], doc["version"], doc["secret"]) == (
        "secrets-platform/rotate",
        1,
        "cms-signing",
    )
    assert doc["messages"][0] == "cms-signing: version 1 -> 2 in Pulumi.dev.yaml"
