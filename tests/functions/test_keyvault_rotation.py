"""The Key Vault rotation, driven through `SecretClient` over a fake of the Key Vault data plane.

No Key Vault emulator exists on PyPI or npm, so `FakeKeyVault` is an `azure.core` `HttpTransport` that
answers the REST API as documented ("Key Vault REST API: Get Secret, Set Secret, Get Secret Versions"):
versions with `attributes.enabled/nbf/exp/created`, tags, `contentType`, 404 `SecretNotFound`, 403 on a
disabled version, and the 401 bearer challenge the SDK's challenge policy answers with a token.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ResourceNotFoundError
from azure.core.pipeline.transport import HttpResponse, HttpTransport
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

VAULT = "kv-secrets-prod-weu"
URL = f"https://{VAULT}.vault.azure.net"
NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)


class _Response(HttpResponse):
    def __init__(self, request: Any, status: int, body: dict | None, headers: dict | None = None) -> None:
        super().__init__(request, None)
        self.status_code = status
        self.headers = {"content-type": "application/json; charset=utf-8", **(headers or {})}
        self.reason = {200: "OK", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}.get(status, "")
        self.content_type = "application/json"
        self._body = json.dumps(body).encode() if body is not None else b""

    def body(self) -> bytes:
        return self._body

    # What the SDK's generated operations read (the `azure.core.rest` response protocol).
    def read(self) -> bytes:
        return self._body

    @property
    def content(self) -> bytes:
        return self._body

    def json(self) -> Any:
        return json.loads(self._body) if self._body else None

    def text(self, encoding: str | None = None) -> str:
        return self._body.decode(encoding or "utf-8")

    @property
    def is_closed(self) -> bool:
        return True

    @property
    def is_stream_consumed(self) -> bool:
        return True

    def close(self) -> None:
        return None


class FakeKeyVault(HttpTransport):
    """Secrets with versions, as Key Vault keeps them; every request is recorded (method, path)."""

    def __init__(self) -> None:
        self.secrets: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[tuple[str, str]] = []

    def __enter__(self) -> FakeKeyVault:
        return self

    def __exit__(self, *args: Any) -> None:
        return None

    def open(self) -> None:
        return None

    def close(self) -> None:
        return None

    def put(
        self, name: str, value: str, *, tags: dict, exp: int | None, enabled: bool = True, created: int
    ) -> str:
        version = secrets.token_hex(16)
        self.secrets.setdefault(name, []).append(
            {
                "value": value,
                "contentType": "application/json",
                "id": f"{URL}/secrets/{name}/{version}",
                "attributes": {k: v for k, v in {"enabled": enabled, "exp": exp, "created": created,
                                                   "updated": created, "recoveryLevel": "Recoverable"}.items()
                               if v is not None},
                "tags": dict(tags),
            }
        )  # fmt: skip
        return version

    def send(self, request: Any, **kwargs: Any) -> HttpResponse:
        path = urlparse(request.url).path.rstrip("/")
        self.requests.append((request.method, path))
        if "Authorization" not in request.headers:
            # The bearer challenge every Key Vault request without a token gets.
            challenge = 'Bearer authorization="https://login.microsoftonline.com/tenant", resource="https://vault.azure.net"'
            return _Response(request, 401, None, {"WWW-Authenticate": challenge})
        parts = path.split("/")[2:]  # /secrets/<name>[/<version>]
        name = parts[0]
        versions = self.secrets.get(name)
        if request.method == "PUT":
            body = json.loads(request.data if isinstance(request.data, (str, bytes)) else request.body)
            attributes = body.get("attributes", {})
            self.put(name, body["value"], tags=body.get("tags", {}), exp=attributes.get("exp"),
                     enabled=attributes.get("enabled", True), created=int(NOW.timestamp()))  # fmt: skip
            record = dict(self.secrets[name][-1])
            record["contentType"] = body.get("contentType")
            record["attributes"] = {
                **record["attributes"],
                **{k: v for k, v in attributes.items() if v is not None},
            }
            self.secrets[name][-1] = record
            return _Response(request, 200, record)
        if not versions:
            return _Response(request, 404, {"error": {"code": "SecretNotFound", "message": f"A secret with (name/id) {name} was not found in this key vault."}})  # fmt: skip
        wanted = (
            versions[-1]
            if len(parts) == 1
            else next((v for v in versions if v["id"].endswith(parts[1])), None)
        )
        if wanted is None:
            return _Response(request, 404, {"error": {"code": "SecretNotFound", "message": "not found"}})
        if not wanted["attributes"]["enabled"]:
            return _Response(request, 403, {"error": {"code": "Forbidden", "message": "Operation get is not allowed on a disabled secret."}})  # fmt: skip
        return _Response(request, 200, wanted)


class _Credential:
    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        assert scopes == ("https://vault.azure.net/.default",), scopes
        return AccessToken("token", int(NOW.timestamp()) + 3600)

    def get_token_info(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo("token", int(NOW.timestamp()) + 3600)


TAGS = {
    "secrets-platform/rotated-by": "function",
    "secrets-platform/rotation-days": "30",
    "managed-by": "secrets-platform",
}


@pytest.fixture
def vault() -> FakeKeyVault:
    return FakeKeyVault()


def _client(vault: FakeKeyVault) -> SecretClient:
    return SecretClient(URL, _Credential(), transport=vault, verify_challenge_resource=False)


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
