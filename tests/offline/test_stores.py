"""The rotation commands' store access against the real engines: moto's Secrets Manager (with the
project's rotation Lambda run in-process), the Key Vault SDK over the data-plane fake, and OpenBao.

Each store is read (versions and dates, never a value), rotated now, written by an operator, and
its previous versions revoked; the tests then read the store directly to prove what changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import hvac
import pytest
from azure.core.exceptions import HttpResponseError

from components.vault.secret_store import kv_metadata
from config.models import CloudSecret
from offline.catalogue import Catalogue, load_catalogue
from offline.stores import StoreError
from offline.stores.access import Stores
from tests.components.vault._openbao import OpenBao, openbao_server
from tests.conftest import ROOT
from tests.keyvault_fake import NOW, FakeKeyVault, client_for

TAGS = {
    "managed-by": "secrets-platform",
    "secrets-platform/rotated-by": "function",
    "secrets-platform/rotation-days": "30",
}


def _dev() -> Catalogue:
    return load_catalogue(ROOT, "dev")


def _prod() -> Catalogue:
    return load_catalogue(ROOT, "prod")


# --- Secrets Manager (moto) -----------------------------------------------------------------------


def _aws_stores(client: Any) -> Stores:
    catalogue = _dev()
    return Stores(catalogue.config, {"secrets-manager": lambda _config: client})


def test_secrets_manager_versions_dates_and_the_previous_value_still_served(rotated_queue: Any) -> None:
    entry = _dev().entry("orders-queue")
    state = _aws_stores(rotated_queue).read(entry)
    assert state.name == "secrets-dev/orders-queue"
    assert state.current is not None and state.current.labels == ("AWSCURRENT",)
    assert [v.labels for v in state.previous_live] == [("AWSPREVIOUS",)]
    assert state.last_rotated is not None and state.current_since is not None
    assert abs((state.current_since - datetime.now(UTC)).total_seconds()) < 120


def test_secrets_manager_rotate_now_runs_the_lambda_and_moves_the_labels(
    rotated_queue: Any, lambda_calls: list
) -> None:
    stores = _aws_stores(rotated_queue)
    entry = _dev().entry("orders-queue")
    before = stores.read(entry).current
    old_value = rotated_queue.get_secret_value(SecretId="secrets-dev/orders-queue")["SecretString"]
    calls = len(lambda_calls)
    new_version = stores.rotate_now(entry)
    after = stores.read(entry)
    assert after.current is not None and after.current.id == new_version != before.id
    assert [e["Step"] for e in lambda_calls[calls:]] == [
        "createSecret",
        "setSecret",
        "testSecret",
        "finishSecret",
    ]
    assert {v.id for v in after.previous_live} == {before.id}
    new_value = rotated_queue.get_secret_value(SecretId="secrets-dev/orders-queue")["SecretString"]
    assert json.loads(new_value)["password"] != json.loads(old_value)["password"]
    assert json.loads(new_value)["username"] == "queueuser"


def test_secrets_manager_revoke_takes_awsprevious_off(rotated_queue: Any) -> None:
    stores = _aws_stores(rotated_queue)
    entry = _dev().entry("orders-queue")
    (previous,) = stores.read(entry).previous_live
    stores.revoke(entry, previous)
    assert stores.read(entry).previous_live == []
    with pytest.raises(rotated_queue.exceptions.ResourceNotFoundException):
        rotated_queue.get_secret_value(SecretId="secrets-dev/orders-queue", VersionStage="AWSPREVIOUS")
    with pytest.raises(StoreError, match="current version"):
        stores.revoke(entry, stores.read(entry).current)


def test_secrets_manager_without_rotation_refuses_rotate_now_and_takes_an_operator_value(sm: Any) -> None:
    sm.create_secret(Name="secrets-dev/partner", SecretString=json.dumps({"token": "first-token-value"}))
    entry = CloudSecret(name="partner", source="cloud", keys=["token"], generate=False, rotationDays=30)
    stores = _aws_stores(sm)
    with pytest.raises(StoreError, match="no rotation configured"):
        stores.rotate_now(entry)
    stores.put_value(entry, {"token": "second-token-value"})
    assert json.loads(sm.get_secret_value(SecretId="secrets-dev/partner")["SecretString"]) == {
        "token": "second-token-value"
    }
    assert len(stores.read(entry).previous_live) == 1


def test_a_missing_secret_is_one_line_naming_it(sm: Any) -> None:
    with pytest.raises(
        StoreError,
        match=r"^Secrets Manager DescribeSecret secrets-dev/orders-queue: ResourceNotFoundException",
    ):
        _aws_stores(sm).read(_dev().entry("orders-queue"))


# --- Key Vault (the SDK over the data-plane fake) ---------------------------------------------------


@pytest.fixture
def keyvault() -> FakeKeyVault:
    vault = FakeKeyVault()
    created = int((NOW - timedelta(days=31)).timestamp())
    vault.put(
        "secrets-prod-orders-queue",
        json.dumps({"username": "queueuser", "password": "old-password-0123456789"}),
        tags=TAGS,
        exp=created + 60 * 86400,
        created=created,
    )
    return vault


def _kv_stores(vault: FakeKeyVault) -> Stores:
    return Stores(_prod().config, {"key-vault": lambda _config: client_for(vault)}, now=NOW)


def test_key_vault_read_rotate_now_and_revoke(keyvault: FakeKeyVault) -> None:
    stores = _kv_stores(keyvault)
    entry = _prod().entry("orders-queue")
    first = stores.read(entry)
    assert first.current_since == NOW - timedelta(days=31) and first.previous_live == []
    new_version = stores.rotate_now(entry)
    second = stores.read(entry)
    assert second.current is not None and second.current.id == new_version
    assert [v.id for v in second.previous_live] == [first.current.id], "the old version stays enabled"
    versions = keyvault.secrets["secrets-prod-orders-queue"]
    assert json.loads(versions[-1]["value"])["password"] != "old-password-0123456789"
    assert (
        versions[-1]["tags"] == TAGS
        and versions[-1]["attributes"]["exp"] == int(NOW.timestamp()) + 60 * 86400
    )
    stores.revoke(entry, second.previous_live[0])
    assert stores.read(entry).previous_live == []
    assert versions[0]["attributes"]["enabled"] is False
    with pytest.raises(HttpResponseError, match="disabled"):
        client_for(keyvault).get_secret("secrets-prod-orders-queue", version=first.current.id)
    assert ("PATCH", f"/secrets/secrets-prod-orders-queue/{first.current.id}") in keyvault.requests


def test_key_vault_refuses_to_rotate_a_secret_the_function_does_not_own(keyvault: FakeKeyVault) -> None:
    keyvault.secrets["secrets-prod-orders-queue"][0]["tags"] = {"secrets-platform/rotated-by": "operators"}
    with pytest.raises(StoreError, match="not rotated by this function"):
        _kv_stores(keyvault).rotate_now(_prod().entry("orders-queue"))
    assert len(keyvault.secrets["secrets-prod-orders-queue"]) == 1


def test_key_vault_operator_value_keeps_tags_and_gets_an_expiry(keyvault: FakeKeyVault) -> None:
    entry = CloudSecret(
        name="orders-queue", source="cloud", keys=["username", "password"], generate=False, rotationDays=30
    )
    _kv_stores(keyvault).put_value(entry, {"username": "queueuser", "password": "typed-by-an-operator-01"})
    latest = keyvault.secrets["secrets-prod-orders-queue"][-1]
    assert json.loads(latest["value"]) == {"password": "typed-by-an-operator-01", "username": "queueuser"}
    assert latest["tags"] == TAGS and latest["attributes"]["exp"] == int(NOW.timestamp()) + (30 + 30) * 86400


# --- Vault KV v2 (OpenBao) -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def openbao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBao]:
    yield from openbao_server(tmp_path_factory.mktemp("openbao"))


def _vault_stores(server: OpenBao) -> tuple[Stores, CloudSecret, hvac.Client]:
    catalogue = _dev()
    root = server.client()
    mount = catalogue.config.vault.kv_mount
    if f"{mount}/" not in root.sys.list_mounted_secrets_engines()["data"]:
        root.sys.enable_secrets_engine("kv", path=mount, options={"version": "2"})
    entry = catalogue.entry("orders-webhook-key")
    metadata = kv_metadata(entry, "secrets-dev", 3, 7)
    root.secrets.kv.v2.update_metadata(
        path="secrets-dev/orders-webhook-key",
        mount_point=mount,
        max_versions=metadata["max_versions"],
        delete_version_after=f"{metadata['delete_version_after']}s",
        custom_metadata=metadata["custom_metadata"],
    )
    return Stores(catalogue.config, {"hashicorp-vault": lambda _config: root}), entry, root


def test_vault_versions_are_read_written_and_destroyed(openbao: OpenBao) -> None:
    stores, entry, root = _vault_stores(openbao)
    mount = "secrets-platform"
    first = stores.put_value(entry, {"signing-key": "first-signing-key-0001"})
    second = stores.put_value(entry, {"signing-key": "second-signing-key-002"})
    state = stores.read(entry)
    assert state.current is not None and state.current.id == second
    assert first in {v.id for v in state.previous_live}
    assert (
        state.current_since is not None
        and abs((state.current_since - datetime.now(UTC)).total_seconds()) < 120
    )
    previous = next(v for v in state.previous_live if v.id == first)
    stores.revoke(entry, previous)
    assert first not in {v.id for v in stores.read(entry).previous_live}
    meta = root.secrets.kv.v2.read_secret_metadata(path="secrets-dev/orders-webhook-key", mount_point=mount)[
        "data"
    ]
    assert meta["versions"][first]["destroyed"] is True
    latest = root.secrets.kv.v2.read_secret_version(
        path="secrets-dev/orders-webhook-key", mount_point=mount, raise_on_deleted_version=True
    )
    assert latest["data"]["data"] == {"signing-key": "second-signing-key-002"}


def test_vault_versions_past_their_deletion_time_are_not_live(openbao: OpenBao) -> None:
    stores, entry, _ = _vault_stores(openbao)
    stores.put_value(entry, {"signing-key": "another-signing-key-03"})
    later = Stores(
        stores.config,
        {"hashicorp-vault": lambda _c: openbao.client()},
        now=datetime.now(UTC) + timedelta(days=38),
    )
    assert later.read(entry).previous_live == [], "delete_version_after = 30 + 7 days: all deleted by then"


def test_vault_does_not_rotate_by_itself(openbao: OpenBao) -> None:
    stores, entry, _ = _vault_stores(openbao)
    with pytest.raises(StoreError, match="does not rotate"):
        stores.rotate_now(entry)


def test_rotation_reads_the_store_on_the_real_path(
    rotated_queue: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from offline import rotation_status
    from offline.cli import main
    from tests.offline._gitrepo import make_repo

    repo = make_repo(tmp_path / "repo", first=datetime.now(UTC) - timedelta(days=1))
    monkeypatch.setattr(
        rotation_status, "from_environment", lambda: {"secrets-manager": lambda _c: rotated_queue}
    )
    as_of = (datetime.now(UTC) + timedelta(days=31)).date().isoformat()
    code = main(["rotation", "-s", "dev", "-C", str(repo.path), "--stores", "--as-of", as_of, "--json"])
    out, err = capsys.readouterr()
    assert out, err
    doc = json.loads(out)
    queue = next(r for r in doc["secrets"] if r["secret"] == "orders-queue")
    assert doc["storesRead"] is True and code == 3
    assert (queue["sinceFrom"], queue["state"], queue["previousLive"]) == ("store", "overdue", 1)
    assert (
        queue["lastRotated"] is not None
        and queue["note"] == "secrets-platform rotate --stack dev orders-queue --now"
    )
    # The Vault secret's store is not reachable here: a warning, and its git date stays.
    webhook = next(r for r in doc["secrets"] if r["secret"] == "orders-webhook-key")
    assert webhook["sinceFrom"] == "git" and any(
        "hashicorp-vault" in w or "Vault" in w for w in doc["warnings"]
    )
