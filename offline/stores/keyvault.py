"""Key Vault on the real path, through the Key Vault SDK's `SecretClient` (over a fake of the data
plane in the tests).

Key Vault REST API: Get Secret Versions (each version's `attributes`: `enabled`, `created`, `exp`),
Update Secret (a version's `attributes.enabled`), Set Secret (a new version, which becomes the one a
request without a version reads). A version that is expired is still returned by `get` (the `exp`
attribute is informational for secrets), so revoking a version means disabling it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from azure.core.exceptions import AzureError, HttpResponseError

from functions.keyvault_rotation.rotation import GRACE_DAYS, NearExpiry, RotationRefused, rotate
from offline.stores import StoreError, StoreState, StoreVersion

STORE = "key-vault"


def _fail(what: str, name: str, exc: Exception) -> StoreError:
    if isinstance(exc, HttpResponseError):
        code = getattr(exc.error, "code", None) or exc.status_code
        return StoreError(f"Key Vault {what} {name}: {code}: {exc.reason or 'refused'}")
    return StoreError(f"Key Vault {what} {name}: {type(exc).__name__}")


def read(client: Any, name: str) -> StoreState:
    """The secret's versions and dates (no value is read). The current version is the newest."""
    try:
        props = list(client.list_properties_of_secret_versions(name))
    except AzureError as exc:
        raise _fail("list versions of", name, exc) from None
    props.sort(key=lambda p: p.created_on or datetime.min)
    current_id = props[-1].version if props else None
    versions = [
        StoreVersion(
            id=str(p.version), created=p.created_on, current=p.version == current_id, live=bool(p.enabled)
        )
        for p in props
    ]
    current = next((v for v in versions if v.current), None)
    return StoreState(
        store=STORE, name=name, current_since=current.created if current else None, versions=versions
    )


def rotate_now(client: Any, name: str, *, vault_name: str, length: int, now: datetime) -> str:
    """Write the next version as the rotation function does on SecretNearExpiry; returns its id.

    The function's own code runs (`functions.keyvault_rotation.rotation.rotate`): the same checks
    (only secrets tagged as rotated by it), the same values, the same expiry.
    """
    state = read(client, name)
    if state.current is None:
        raise StoreError(f"Key Vault secret {name} has no version to rotate")
    try:
        outcome = rotate(
            client,
            NearExpiry(vault_name, name, state.current.id),
            vault_name=vault_name,
            length=length,
            now=now,
        )
    except RotationRefused as exc:
        raise StoreError(f"Key Vault secret {name}: {exc}") from None
    except AzureError as exc:
        raise _fail("rotate", name, exc) from None
    if not outcome.new_version:
        raise StoreError(f"Key Vault secret {name}: {outcome.reason}")
    return outcome.new_version


def put_value(client: Any, name: str, document: str, *, rotation_days: int, now: datetime) -> str:
    """Write an operator's new value as the next version, keeping its content type and tags, with the
    expiry the platform gives every version (`rotationDays` + the grace); returns its id."""
    state = read(client, name)
    try:
        tags, content_type = {}, None
        if state.current is not None:
            current = next(
                iter(
                    p
                    for p in client.list_properties_of_secret_versions(name)
                    if p.version == state.current.id
                )
            )
            tags, content_type = dict(current.tags or {}), current.content_type
        written = client.set_secret(
            name,
            document,
            content_type=content_type,
            tags=tags,
            enabled=True,
            not_before=now,
            expires_on=now + timedelta(days=rotation_days + GRACE_DAYS),
        )
    except AzureError as exc:
        raise _fail("set", name, exc) from None
    return str(written.properties.version)


def revoke(client: Any, name: str, version: StoreVersion) -> None:
    """Disable a previous version: Key Vault then refuses to return it."""
    if version.current:
        raise StoreError(f"refusing to revoke the current version of {name}")
    try:
        client.update_secret_properties(name, version=version.id, enabled=False)
    except AzureError as exc:
        raise _fail("disable a version of", name, exc) from None


def adopt_info(client: Any, name: str) -> list[str]:
    """The keys of a secret's JSON value (read only to list them, then dropped)."""
    from offline.stores.aws import _json_keys

    try:
        value = client.get_secret(name).value
    except AzureError as exc:
        raise _fail("get", name, exc) from None
    keys = _json_keys(value)
    if keys is None:
        raise StoreError(f"Key Vault secret {name}: its value is not a JSON object of text values")
    return keys
