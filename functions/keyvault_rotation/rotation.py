"""Rotation of the Key Vault secrets the platform generates, driven by Event Grid's SecretNearExpiry.

Key Vault publishes `Microsoft.KeyVault.SecretNearExpiry` 30 days before the current version of a
secret expires (Key Vault docs, "Azure Key Vault as Event Grid source"). The platform writes every
version with `exp = created + rotationDays + GRACE_DAYS`, so the event arrives `rotationDays` after
a version was written; this module then writes a new version, and the old one stays enabled and
valid until its own expiry: consumers (External Secrets re-reads within an hour) move to the new
value first, and the secret is never without a current value.

The secret's value is a JSON object whose keys are the catalogue entry's `keys`; a key named
`username` keeps its value, every other key gets a new value from Python's `secrets` module. Only
secrets the platform tagged as rotated by this function are touched, only in the configured vault,
and only when the event names the current version (Event Grid delivers at least once). Logs carry
names and version ids, never a value.
"""

from __future__ import annotations

import json
import logging
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.keyvault.secrets import SecretClient

logger = logging.getLogger("keyvault_rotation")

NEAR_EXPIRY_EVENT = "Microsoft.KeyVault.SecretNearExpiry"
GRACE_DAYS = 30
"""Days a version stays valid after its successor is written: Key Vault's SecretNearExpiry lead time."""
ROTATED_BY_TAG = "secrets-platform/rotated-by"
ROTATED_BY_FUNCTION = "function"
ROTATION_DAYS_TAG = "secrets-platform/rotation-days"
KEPT_KEYS = frozenset({"username"})
"""Keys whose value survives a rotation: the identity stays, only its credentials change."""
PASSWORD_LENGTH_RANGE = (16, 4096)
ALPHABET = string.ascii_letters + string.digits
"""No punctuation: many clients mishandle it in URLs and connection strings (as the catalogue's default)."""


class RotationRefused(ValueError):
    """The event or the secret is not one this function may rotate; nothing was written."""


@dataclass(frozen=True)
class NearExpiry:
    """What a SecretNearExpiry event says (Event Grid schema, Key Vault event data)."""

    vault_name: str
    secret_name: str
    version: str


@dataclass(frozen=True)
class Outcome:
    """What a rotation did: the new version, or why it wrote nothing."""

    secret_name: str
    new_version: str | None
    reason: str


def parse_event(event_type: str, data: dict[str, Any]) -> NearExpiry:
    """The event's vault, secret and version; refuses any other event."""
    if event_type != NEAR_EXPIRY_EVENT:
        raise RotationRefused(f"event type {event_type!r} is not {NEAR_EXPIRY_EVENT}")
    try:
        vault, name, version = data["VaultName"], data["ObjectName"], data["Version"]
    except (KeyError, TypeError):
        raise RotationRefused("the event data must carry VaultName, ObjectName and Version") from None
    if data.get("ObjectType", "Secret") != "Secret":
        raise RotationRefused(f"object type {data.get('ObjectType')!r} is not a secret")
    return NearExpiry(vault_name=str(vault), secret_name=str(name), version=str(version))


def password_length(raw: str | None) -> int:
    """Characters of each new value, from the app setting; a bad setting refuses the rotation."""
    low, high = PASSWORD_LENGTH_RANGE
    if raw is None or not raw.isdigit() or not low <= int(raw) <= high:
        raise RotationRefused(f"PASSWORD_LENGTH must be a whole number from {low} to {high}")
    return int(raw)


def new_value(current: str, length: int) -> str:
    """The next value: the same JSON keys, kept keys unchanged, every other key newly drawn."""
    try:
        document = json.loads(current)
    except json.JSONDecodeError:
        raise RotationRefused("the current value is not a JSON object of the catalogue's keys") from None
    if not isinstance(document, dict) or not document:
        raise RotationRefused("the current value is not a JSON object of the catalogue's keys")
    if set(document) <= KEPT_KEYS:
        raise RotationRefused("the secret has only keys that rotation keeps; nothing to rotate")
    drawn = {
        key: value if key in KEPT_KEYS else "".join(secrets.choice(ALPHABET) for _ in range(length))
        for key, value in document.items()
    }
    return json.dumps(drawn, sort_keys=True)


def rotate(
    client: SecretClient, event: NearExpiry, *, vault_name: str, length: int, now: datetime
) -> Outcome:
    """Write the secret's next version if the event names its current one; never disable the old one."""
    if event.vault_name.lower() != vault_name.lower():
        raise RotationRefused(f"the event is for vault {event.vault_name!r}, not {vault_name!r}")
    current = client.get_secret(event.secret_name)
    props = current.properties
    tags = dict(props.tags or {})
    if tags.get(ROTATED_BY_TAG) != ROTATED_BY_FUNCTION:
        raise RotationRefused(
            f"secret {event.secret_name!r} is not rotated by this function (tag {ROTATED_BY_TAG})"
        )
    raw_days = tags.get(ROTATION_DAYS_TAG, "")
    if not raw_days.isdigit() or not 1 <= int(raw_days) <= 365:
        raise RotationRefused(f"secret {event.secret_name!r} has no valid {ROTATION_DAYS_TAG} tag")
    if props.version != event.version:
        # A redelivered event, or one for a version rotated already: the current version is newer.
        logger.info("secret %s: version %s is no longer current (%s is); nothing to do",
                    event.secret_name, event.version, props.version)  # fmt: skip
        return Outcome(event.secret_name, None, "the event's version is no longer current")
    if current.value is None:
        raise RotationRefused(f"secret {event.secret_name!r} has no readable current value")
    value = new_value(current.value, length)
    start = now.astimezone(UTC).replace(microsecond=0)
    written = client.set_secret(
        event.secret_name,
        value,
        content_type=props.content_type,
        tags=tags,
        enabled=True,
        not_before=start,
        expires_on=start + timedelta(days=int(raw_days) + GRACE_DAYS),
    )
    logger.info("secret %s: wrote version %s; version %s stays valid until it expires",
                event.secret_name, written.properties.version, event.version)  # fmt: skip
    return Outcome(event.secret_name, written.properties.version, "rotated")
