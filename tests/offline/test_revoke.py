"""`secrets-platform revoke`: previous values gone where the platform controls them, after the grace
period, against moto, the Key Vault fake and OpenBao; operator steps for what it cannot reach."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from offline import exits, revoke
from offline.catalogue import load_catalogue
from offline.cli import main
from offline.revoke import revocations
from offline.stores.access import Stores
from tests.components.vault._openbao import OpenBao, openbao_server
from tests.conftest import ROOT
from tests.keyvault_fake import NOW, FakeKeyVault, client_for

TAGS = {"secrets-platform/rotated-by": "function", "secrets-platform/rotation-days": "30"}


def test_every_entry_says_what_the_platform_revokes_and_what_the_operator_must() -> None:
    catalogue = load_catalogue(ROOT, "dev")
    items = {
        i.secret: i
        for i in revocations(catalogue, [], stores=None, apply=False, grace_override=None, now=NOW)
    }
    assert set(items) == {s.name for s in catalogue.config.secrets}
    provider = items["payments-provider"]
    assert "deleted by `pulumi up`" in provider.platform[0] and "create-before-delete" in provider.platform[0]
    assert provider.operator[0].startswith(
        "revoke the previous value at its issuer (API key of the card processor"
    )
    assert any("CMS collection mobile_secrets" in s for s in items["maps-api-key"].platform)
    assert not any("CMS" in s for s in items["payments-db"].platform), "only mobile secrets reach the CMS"
    assert "External Secrets writes each new store value" in items["orders-queue"].platform[0]


def test_an_unknown_name_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["revoke", "-C", str(ROOT), "-s", "dev", "nope"]) == exits.BAD_INPUT
    assert 'found no entry named "nope"' in capsys.readouterr().err


def test_secrets_manager_awsprevious_is_taken_off_after_the_grace(
    rotated_queue: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = rotated_queue
    monkeypatch.setattr(revoke, "from_environment", lambda: {"secrets-manager": lambda _c: sm})
    argv = ["revoke", "-C", str(ROOT), "-s", "dev", "orders-queue", "--json"]
    # The rotation ran seconds ago: within the one-day grace, nothing is revoked even with --apply.
    assert main([*argv, "--apply"]) == exits.OK
    doc = json.loads(capsys.readouterr().out)
    (item,) = doc["secrets"]
    assert (
        doc["format"] == "secrets-platform/revoke"
        and len(item["previousLive"]) == 1
        and item["revoked"] == []
    )
    revocable = datetime.fromisoformat(item["previousLive"][0]["revocableOn"])
    assert timedelta(hours=23) < revocable - datetime.now(UTC) <= timedelta(days=1)
    stages = sm.describe_secret(SecretId="secrets-dev/orders-queue")["VersionIdsToStages"]
    assert sorted(s for v in stages.values() for s in v) == ["AWSCURRENT", "AWSPREVIOUS"]
    # After an emergency rotation the operator revokes at once.
    assert main([*argv, "--apply", "--grace-days", "0"]) == exits.OK
    (item,) = json.loads(capsys.readouterr().out)["secrets"]
    assert len(item["revoked"]) == 1 and item["previousLive"] == []
    stages = sm.describe_secret(SecretId="secrets-dev/orders-queue")["VersionIdsToStages"]
    assert sorted(s for v in stages.values() for s in v) == ["AWSCURRENT"]


def test_without_apply_nothing_changes(
    sm: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sm.create_secret(Name="secrets-dev/orders-queue", SecretString="{}")
    sm.put_secret_value(SecretId="secrets-dev/orders-queue", SecretString='{"a": "b"}')
    monkeypatch.setattr(revoke, "from_environment", lambda: {"secrets-manager": lambda _c: sm})
    assert (
        main(["revoke", "-C", str(ROOT), "-s", "dev", "orders-queue", "--stores", "--grace-days", "0"])
        == exits.OK
    )
    out = capsys.readouterr().out
    assert "secrets-manager version" in out and "live, revocable from" in out
    assert "0 version(s) revoked, 1 previous version(s) still live; --apply revokes" in out
    stages = sm.describe_secret(SecretId="secrets-dev/orders-queue")["VersionIdsToStages"]
    assert sorted(s for v in stages.values() for s in v) == ["AWSCURRENT", "AWSPREVIOUS"]


def test_key_vault_versions_past_the_grace_are_disabled_and_newer_ones_kept() -> None:
    vault = FakeKeyVault()
    day = 86400
    for age in (70, 40, 0.5):  # three versions: written 70 days, 40 days and 12 hours ago
        created = int((NOW - timedelta(days=age)).timestamp())
        vault.put(
            "secrets-prod-orders-queue",
            '{"password": "x"}',
            tags=TAGS,
            exp=created + 60 * day,
            created=created,
        )
    catalogue = load_catalogue(ROOT, "prod")
    stores = Stores(catalogue.config, {"key-vault": lambda _c: client_for(vault)}, now=NOW)
    (item,) = revocations(
        catalogue, ["orders-queue"], stores=stores, apply=True, grace_override=None, now=NOW
    )
    by_id = {p.id: p for p in item.previous}
    versions = vault.secrets["secrets-prod-orders-queue"]
    oldest, middle = (v["id"].rsplit("/", 1)[1] for v in versions[:2])
    assert by_id[oldest].revoked, "superseded 40 days ago: past the one-day grace"
    assert not by_id[middle].revoked, "superseded 12 hours ago: its successor is not a day old"
    assert [v["attributes"]["enabled"] for v in versions] == [False, True, True]


@pytest.fixture(scope="module")
def openbao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBao]:
    yield from openbao_server(tmp_path_factory.mktemp("openbao"))


def test_vault_versions_are_destroyed_after_the_stack_s_grace(openbao: OpenBao) -> None:
    catalogue = load_catalogue(ROOT, "dev")
    root = openbao.client()
    root.sys.enable_secrets_engine("kv", path="secrets-platform", options={"version": "2"})
    for value in ("one-signing-key-value-1", "two-signing-key-value-2"):
        root.secrets.kv.v2.create_or_update_secret(
            path="secrets-dev/orders-webhook-key",
            secret={"signing-key": value},
            mount_point="secrets-platform",
        )
    stores = Stores(catalogue.config, {"hashicorp-vault": lambda _c: root})
    now = datetime.now(UTC)
    (item,) = revocations(
        catalogue, ["orders-webhook-key"], stores=stores, apply=True, grace_override=None, now=now
    )
    assert [(p.id, p.revoked) for p in item.previous] == [("1", False)], "versionGraceDays (7) has not passed"
    later = now + timedelta(days=7, minutes=5)
    (item,) = revocations(
        catalogue, ["orders-webhook-key"], stores=stores, apply=True, grace_override=None, now=later
    )
    assert [(p.id, p.revoked) for p in item.previous] == [("1", True)]
    meta = root.secrets.kv.v2.read_secret_metadata(
        path="secrets-dev/orders-webhook-key", mount_point="secrets-platform"
    )
    assert (
        meta["data"]["versions"]["1"]["destroyed"] is True
        and meta["data"]["versions"]["2"]["destroyed"] is False
    )
