"""HashiCorp Vault (or OpenBao) KV v2 on the real path, through an hvac `Client` (against OpenBao in
the tests).

Vault KV v2 API: Read Secret Metadata (`current_version`, and per version `created_time`,
`deletion_time`, `destroyed`), Create/Update Secret (a new version), Destroy Secret Versions (the
data of those versions is removed for good; "Delete" would leave them undeletable).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hvac.exceptions import VaultError

from offline.stores import StoreError, StoreState, StoreVersion

STORE = "hashicorp-vault"


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    # Vault writes RFC 3339 with nanoseconds (`2026-06-01T12:00:00.123456789Z`); Python takes micro.
    head, _, rest = text.rstrip("Z").partition(".")
    return (
        datetime.fromisoformat(head).replace(tzinfo=UTC)
        if not rest
        else datetime.fromisoformat(f"{head}.{rest[:6]}").replace(tzinfo=UTC)
    )


def read(client: Any, mount: str, path: str, *, now: datetime | None = None) -> StoreState:
    """The path's versions and dates (no value is read)."""
    now = now or datetime.now(UTC)
    try:
        meta = client.secrets.kv.v2.read_secret_metadata(path=path, mount_point=mount)["data"]
    except VaultError as exc:
        raise StoreError(
            f"Vault {mount}/{path}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        ) from None
    current = int(meta.get("current_version") or 0)
    versions = []
    for number, info in sorted((meta.get("versions") or {}).items(), key=lambda kv: int(kv[0])):
        deleted_at = _when(info.get("deletion_time"))
        live = not info.get("destroyed") and (deleted_at is None or deleted_at > now)
        versions.append(
            StoreVersion(
                id=str(number),
                created=_when(info.get("created_time")),
                current=int(number) == current,
                live=live,
            )
        )
    head = next((v for v in versions if v.current), None)
    return StoreState(
        store=STORE, name=f"{mount}/{path}", current_since=head.created if head else None, versions=versions
    )


def put_value(client: Any, mount: str, path: str, document: dict[str, str]) -> str:
    """Write a new KV version; returns its number."""
    try:
        answer = client.secrets.kv.v2.create_or_update_secret(path=path, secret=document, mount_point=mount)
    except VaultError as exc:
        raise StoreError(f"Vault {mount}/{path}: {type(exc).__name__}") from None
    return str(answer["data"]["version"])


def revoke(client: Any, mount: str, path: str, version: Any) -> None:
    """Destroy a previous version's data."""
    if version.current:
        raise StoreError(f"refusing to revoke the current version of {mount}/{path}")
    try:
        client.secrets.kv.v2.destroy_secret_versions(path=path, versions=[int(version.id)], mount_point=mount)
    except VaultError as exc:
        raise StoreError(f"Vault {mount}/{path}: {type(exc).__name__}") from None
