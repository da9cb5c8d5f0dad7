"""The Key Vault rotation, driven through `SecretClient` over a fake of the Key Vault data plane
(`tests/keyvault_fake.py`, shared with the rotation commands' tests)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.keyvault.secrets import SecretClient

from functions.keyvault_rotation.rotation import (
    GRACE_DAYS,
    NEAR_EXPIRY_EVENT,
    NearExpiry,
    RotationRefused,
    parse_event,
    password_length,
    rotate,
)
from tests.keyvault_fake import NOW, VAULT, FakeKeyVault, client_for


def _client(vault: FakeKeyVault) -> SecretClient:
    return client_for(vault)


TAGS = {
    "secrets-platform/rotated-by": "function",
    "secrets-platform/rotation-days": "30",
    "managed-by": "secrets-platform",
}


@pytest.fixture
def vault() -> FakeKeyVault:
    return FakeKeyVault()


def _seed(vault: FakeKeyVault, name: str = "secrets-prod-orders-queue", tags: dict = TAGS) -> str:
    created = int((NOW - timedelta(days=30)).timestamp())
    value = json.dumps({"username": "appuser", "password": "old-password-value-0123456789"})
    return vault.put(name, value, tags=tags, exp=created + 60 * 86400, created=created)


def test_a_rotation_writes_a_new_current_version_and_leaves_the_old_one_valid(vault: FakeKeyVault) -> None:
    old = _seed(vault)
    outcome = rotate(_client(vault), NearExpiry(VAULT, "secrets-prod-orders-queue", old),
                     vault_name=VAULT, length=32, now=NOW)  # fmt: skip
    versions = vault.secrets["secrets-prod-orders-queue"]
    assert len(versions) == 2 and outcome.new_version and versions[1]["id"].endswith(outcome.new_version)
    previous, current = versions
    assert previous["attributes"]["enabled"] is True, "the old version stays enabled until it expires"
    assert previous["value"] == json.dumps(
        {"username": "appuser", "password": "old-password-value-0123456789"}
    )
    document = json.loads(current["value"])
    assert document["username"] == "appuser", "the username is kept"
    assert document["password"] != "old-password-value-0123456789" and len(document["password"]) == 32
    assert document["password"].isalnum()
    assert current["attributes"]["nbf"] == int(NOW.timestamp())
    assert current["attributes"]["exp"] == int(NOW.timestamp()) + (30 + GRACE_DAYS) * 86400
    assert current["tags"] == TAGS and current["contentType"] == "application/json"
    assert ("PUT", "/secrets/secrets-prod-orders-queue") in vault.requests


def test_a_redelivered_event_writes_nothing(vault: FakeKeyVault) -> None:
    old = _seed(vault)
    event = NearExpiry(VAULT, "secrets-prod-orders-queue", old)
    rotate(_client(vault), event, vault_name=VAULT, length=32, now=NOW)
    again = rotate(_client(vault), event, vault_name=VAULT, length=32, now=NOW)
    assert again.new_version is None and len(vault.secrets["secrets-prod-orders-queue"]) == 2


@pytest.mark.parametrize(
    ("tags", "event_vault", "match"),
    [
        (
            {"secrets-platform/rotated-by": "operators", "secrets-platform/rotation-days": "30"},
            VAULT,
            "not rotated",
        ),
        ({"secrets-platform/rotated-by": "function"}, VAULT, "rotation-days"),
        (TAGS, "kv-other", "not 'kv-secrets-prod-weu'"),
    ],
)
def test_refused_rotations_write_nothing(
    vault: FakeKeyVault, tags: dict, event_vault: str, match: str
) -> None:
    old = _seed(vault, tags=tags)
    with pytest.raises(RotationRefused, match=match):
        rotate(_client(vault), NearExpiry(event_vault, "secrets-prod-orders-queue", old),
               vault_name=VAULT, length=32, now=NOW)  # fmt: skip
    assert len(vault.secrets["secrets-prod-orders-queue"]) == 1
    assert not any(method == "PUT" for method, _ in vault.requests)


def test_a_missing_secret_is_the_service_s_404(vault: FakeKeyVault) -> None:
    with pytest.raises(ResourceNotFoundError):
        rotate(_client(vault), NearExpiry(VAULT, "absent", "0" * 32), vault_name=VAULT, length=32, now=NOW)
    assert vault.secrets == {}


def test_events_and_settings_are_checked_before_anything_is_read() -> None:
    data = {"VaultName": VAULT, "ObjectName": "s", "Version": "v", "ObjectType": "Secret"}
    assert parse_event(NEAR_EXPIRY_EVENT, data) == NearExpiry(VAULT, "s", "v")
    with pytest.raises(RotationRefused):
        parse_event("Microsoft.KeyVault.SecretExpired", data)
    with pytest.raises(RotationRefused):
        parse_event(NEAR_EXPIRY_EVENT, {"VaultName": VAULT})
    with pytest.raises(RotationRefused):
        password_length("8")
    assert password_length("32") == 32


def test_logs_never_carry_a_value(vault: FakeKeyVault, caplog: pytest.LogCaptureFixture) -> None:
    old = _seed(vault)
    caplog.set_level("DEBUG")
    rotate(
        _client(vault),
        NearExpiry(VAULT, "secrets-prod-orders-queue", old),
        vault_name=VAULT,
        length=32,
        now=NOW,
    )
    new_password = json.loads(vault.secrets["secrets-prod-orders-queue"][-1]["value"])["password"]
    assert "old-password-value" not in caplog.text and new_password not in caplog.text
