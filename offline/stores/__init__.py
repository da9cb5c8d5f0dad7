"""The secret stores on the real path, behind small functions that take a client.

Each module reads a secret's versions (never its value, except where a rotation must: the Key Vault
rotation keeps a `username` key), starts a rotation, writes an operator's new value, and revokes
previous versions, with the store's own client: boto3's Secrets Manager client, the Key Vault SDK's
`SecretClient`, hvac's `Client`. Callers build the clients (`offline.stores.clients`, from the
environment, as the cloud SDKs read credentials); tests hand in moto's client, a `SecretClient` over
a fake of the Key Vault data plane, and hvac against OpenBao.

What "live" means per store, from its own documentation:
- Secrets Manager: a version with a staging label (AWSCURRENT, AWSPREVIOUS, AWSPENDING) is served
  by `GetSecretValue` by label; a version without labels is deprecated and Secrets Manager may
  delete it (DescribeSecret `VersionIdsToStages`; UpdateSecretVersionStage: "If this action results
  in the last label being removed from a version, then the version is considered to be 'deprecated'
  and can be deleted by Secrets Manager").
- Key Vault: every enabled version is readable, expired ones included (a secret's `exp` is not
  enforced on `get`: Azure/AzureKeyVault issue 19), so only disabling a version revokes it
  ("Operation get is not allowed on a disabled secret").
- Vault KV v2: a version is readable until it is deleted (`deletion_time` passed, which
  `delete_version_after` sets at write time) or destroyed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class StoreError(Exception):
    """The store refused or could not be reached; one line, never a value."""


@dataclass(frozen=True)
class StoreVersion:
    """One version of a secret in its store (ids and dates only)."""

    id: str
    created: datetime | None
    current: bool
    live: bool
    """Whether the store still serves it (see the module docstring per store)."""
    labels: tuple[str, ...] = ()
    """Secrets Manager staging labels; empty elsewhere."""


@dataclass(frozen=True)
class StoreState:
    """A secret's versions as its store reports them."""

    store: str
    name: str
    current_since: datetime | None
    """When the current value was written."""
    last_rotated: datetime | None = None
    """Secrets Manager's `LastRotatedDate` (when its rotation last ran); None elsewhere."""
    versions: list[StoreVersion] = field(default_factory=list)

    @property
    def current(self) -> StoreVersion | None:
        return next((v for v in self.versions if v.current), None)

    @property
    def previous_live(self) -> list[StoreVersion]:
        """Versions other than the current one that the store still serves."""
        return [v for v in self.versions if v.live and not v.current]
