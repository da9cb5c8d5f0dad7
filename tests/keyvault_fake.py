"""A fake of the Key Vault data plane, spoken to through the real `SecretClient`.

No Key Vault emulator exists on PyPI or npm, so `FakeKeyVault` is an `azure.core` `HttpTransport` that
answers the REST API as documented ("Key Vault REST API": Get Secret, Set Secret, Get Secret
Versions, Update Secret): versions with `attributes.enabled/nbf/exp/created`, tags, `contentType`,
404 `SecretNotFound`, 403 on a disabled version, and the 401 bearer challenge the SDK's challenge
policy answers with a token. Listings and updates return items without their value, as the service
does. Shared by the rotation function's tests and the rotation commands' tests.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from azure.core.credentials import AccessToken, AccessTokenInfo
from azure.core.pipeline.transport import HttpResponse, HttpTransport
from azure.keyvault.secrets import SecretClient

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


def _without_value(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "value"}


class FakeKeyVault(HttpTransport):
    """Secrets with versions, as Key Vault keeps them; every request is recorded (method, path)."""

    def __init__(self, now: datetime = NOW) -> None:
        self.secrets: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[tuple[str, str]] = []
        self.now = now

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

    def _body(self, request: Any) -> dict[str, Any]:
        return json.loads(request.data if isinstance(request.data, (str, bytes)) else request.body)

    def send(self, request: Any, **kwargs: Any) -> HttpResponse:
        path = urlparse(request.url).path.rstrip("/")
        self.requests.append((request.method, path))
        if "Authorization" not in request.headers:
            # The bearer challenge every Key Vault request without a token gets.
            challenge = 'Bearer authorization="https://login.microsoftonline.com/tenant", resource="https://vault.azure.net"'
            return _Response(request, 401, None, {"WWW-Authenticate": challenge})
        parts = path.split("/")[2:]  # /secrets/<name>[/<version>|/versions]
        name = parts[0]
        versions = self.secrets.get(name)
        if request.method == "PUT":
            body = self._body(request)
            attributes = body.get("attributes", {})
            self.put(name, body["value"], tags=body.get("tags", {}), exp=attributes.get("exp"),
                     enabled=attributes.get("enabled", True), created=int(self.now.timestamp()))  # fmt: skip
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
        if len(parts) == 2 and parts[1] == "versions" and request.method == "GET":
            return _Response(request, 200, {"value": [_without_value(v) for v in versions], "nextLink": None})
        wanted = (
            versions[-1]
            if len(parts) == 1
            else next((v for v in versions if v["id"].endswith(parts[1])), None)
        )
        if wanted is None:
            return _Response(request, 404, {"error": {"code": "SecretNotFound", "message": "not found"}})
        if request.method == "PATCH":
            body = self._body(request)
            wanted["attributes"].update(
                {k: v for k, v in (body.get("attributes") or {}).items() if v is not None}
            )
            if "tags" in body:
                wanted["tags"] = body["tags"]
            return _Response(request, 200, _without_value(wanted))
        if not wanted["attributes"]["enabled"]:
            return _Response(request, 403, {"error": {"code": "Forbidden", "message": "Operation get is not allowed on a disabled secret."}})  # fmt: skip
        return _Response(request, 200, wanted)


class FakeCredential:
    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        assert scopes == ("https://vault.azure.net/.default",), scopes
        return AccessToken("token", int(NOW.timestamp()) + 3600)

    def get_token_info(self, *scopes: str, **kwargs: Any) -> AccessTokenInfo:
        return AccessTokenInfo("token", int(NOW.timestamp()) + 3600)


def client_for(vault: FakeKeyVault, url: str = URL) -> SecretClient:
    """The real `SecretClient` over the fake transport."""
    return SecretClient(url, FakeCredential(), transport=vault, verify_challenge_resource=False)
