"""`secrets-platform revoke`: after a rotation's grace period, the previous value gone everywhere the
platform controls, and a step for the operator wherever it cannot reach.

Where a previous value lives after a rotation, per path (what each does today):

- the platform's Kubernetes Secret `<name>-v<old>`: `pulumi up` creates `<name>-v<new>`, rolls the
  readers onto it, then deletes the old Secret (create-before-delete, which the platform never
  overrides). Nothing is left once the update has finished; `kubectl get secret -l
  secrets-platform/secret=<name>` shows it.
- the CMS (mobile secrets): one value per secret; the writer Job of the new version overwrites it
  during `pulumi up`. The BFF's cache may serve the old one for `bff.cacheTtlSeconds` more.
- Secrets Manager: the previous value stays AWSPREVIOUS until the next rotation. Revoking takes the
  label off (the version is then deprecated, served by no label, deletable by the service).
- Key Vault: old versions stay enabled, and expired ones are still returned by `get`. Revoking
  disables them.
- Vault KV v2: old versions are deleted `rotationDays + versionGraceDays` after they were written
  and destroyed past `maxVersions`. Revoking destroys them at once.
- the value's issuer (a card processor's API key, a certificate authority, a database user the
  value is the password of): out of the platform's reach. Each such entry gets the operator's step.

A store's previous version is revocable once its successor has been current for the grace period:
`vault.versionGraceDays` on Vault (the stack's own setting), and one day on Secrets Manager and Key
Vault, where External Secrets re-reads a value at least hourly (`MAX_REFRESH`) and Reloader rolls
env readers at once, so a day leaves room for retries. `--grace-days` overrides it (0 after an
emergency `rotate --now`). Without `--apply` nothing changes; with it, each revocable version is
revoked and the rest is listed with the day it becomes revocable.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from config.models import AnySecret
from offline import exits
from offline.catalogue import VAULT, Catalogue, load_catalogue, store_of
from offline.stores import StoreError, StoreState, StoreVersion
from offline.stores.access import ClientFactory, Stores, from_environment

STORE_GRACE_DAYS = 1
"""Secrets Manager and Key Vault: External Secrets re-reads within the hour (external_secrets.sync.MAX_REFRESH)."""


@dataclass
class PreviousVersion:
    id: str
    created: datetime | None
    superseded: datetime | None
    """When its successor was written (the start of its grace)."""
    revocable_on: datetime | None
    revoked: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created": self.created.isoformat() if self.created else None,
            "superseded": self.superseded.isoformat() if self.superseded else None,
            "revocableOn": self.revocable_on.isoformat() if self.revocable_on else None,
            "revoked": self.revoked,
        }


@dataclass
class Revocation:
    """One entry: what the platform revokes (and how), what is still live, what the operator does."""

    secret: str
    source: str
    platform: list[str] = field(default_factory=list)
    store: str | None = None
    previous: list[PreviousVersion] = field(default_factory=list)
    operator: list[str] = field(default_factory=list)
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "secret": self.secret,
            "source": self.source,
            "platform": self.platform,
            "store": self.store,
            "previousLive": [p.to_json() for p in self.previous if not p.revoked],
            "revoked": [p.to_json() for p in self.previous if p.revoked],
            "operator": self.operator,
            "error": self.error,
        }


def platform_steps(catalogue: Catalogue, entry: AnySecret) -> list[str]:
    """What the platform itself does with the previous value (no credentials needed to say it)."""
    config = catalogue.config
    namespace = config.secret_namespace(entry)
    steps = [
        f"Kubernetes Secret {namespace}/{entry.name}-v<old>: deleted by `pulumi up` once its readers run on "
        f"{entry.name}-v{entry.version} (create-before-delete); check with "
        f"`kubectl get secret -n {namespace} -l secrets-platform/secret={entry.name}`"
    ]
    if entry.source == "cloud":
        steps[0] = (
            f"Kubernetes Secret {namespace}/{entry.name}-v{entry.version}: External Secrets writes each new store "
            "value into it within the hour; no older copy stays in the cluster"
        )
    if entry.mobile:
        steps.append(
            f"CMS collection {config.cms.collection}: one value per secret, overwritten by the writer Job of "
            f"v{entry.version} during `pulumi up`; the BFF's cache may serve the old one for "
            f"{config.bff.cache_ttl_seconds} s more"
        )
    return steps


def operator_steps(catalogue: Catalogue, entry: AnySecret) -> list[str]:
    """What only a person can do: the value's issuer is outside the platform."""
    what = entry.description or entry.name
    if entry.source == "literal":
        return [
            f"revoke the previous value at its issuer ({what}) once `pulumi up` has rolled the readers; its "
            f"old ciphertext stays in the git history of {catalogue.stack_file.name}, readable with the stack's key"
        ]
    if entry.source == "file":
        return [f"if the previous files held a credential ({what}), revoke it at its issuer; for a CA or "
                "certificate, remove trust in the old one where it was granted"]  # fmt: skip
    if entry.source == "generated":
        return [f"if this value is also set in another system ({what}), set the new one there before "
                "`pulumi up` and remove the old one after it"]  # fmt: skip
    if entry.source == "cloud" and entry.database is not None:
        return ["issued credentials end with their lease; `vault lease revoke -prefix "
                "<databaseMount>/creds/<role>` cuts them off at once"]  # fmt: skip
    if entry.source == "cloud" and not entry.generate:
        return [f"revoke the previous value at its issuer ({what}) once consumers read the new one"]
    return [f"the store's rotation draws a new value and sets it in no other system: if this value ({what}) "
            "is also a credential elsewhere, change it there too"]  # fmt: skip


def grace_days(catalogue: Catalogue, entry: AnySecret, override: int | None) -> int:
    if override is not None:
        return override
    if store_of(catalogue.config, entry) == VAULT and catalogue.config.vault is not None:
        return catalogue.config.vault.version_grace_days
    return STORE_GRACE_DAYS


def previous_versions(state: StoreState, grace: int) -> list[PreviousVersion]:
    """The live previous versions, each with its successor's date and the day it may be revoked."""
    ordered = sorted(state.versions, key=_order)
    out = []
    for index, version in enumerate(ordered):
        if version.current or not version.live:
            continue
        successor = ordered[index + 1] if index + 1 < len(ordered) else state.current
        superseded = successor.created if successor else None
        if version.labels and state.current is not None:  # Secrets Manager: AWSPREVIOUS ends with AWSCURRENT
            superseded = state.current.created
        out.append(
            PreviousVersion(
                id=version.id,
                created=version.created,
                superseded=superseded,
                revocable_on=superseded + timedelta(days=grace) if superseded else None,
            )
        )
    return out


def _order(version: StoreVersion) -> tuple[int, float]:
    # Vault numbers its versions; the other stores are ordered by creation (the current one last).
    return (
        int(version.id) if version.id.isdigit() else 0,
        version.created.timestamp() if version.created else 0.0,
    )


def revocations(
    catalogue: Catalogue,
    names: list[str],
    *,
    stores: Stores | None,
    apply: bool,
    grace_override: int | None,
    now: datetime,
) -> list[Revocation]:
    """What `revoke` reports (and, with `apply`, does) for the named entries (all when none named)."""
    entries = [e for e in catalogue.config.secrets if not names or e.name in names]
    missing = sorted(set(names) - {e.name for e in entries})
    if missing:
        raise ValueError(
            f'{catalogue.stack_file.name}: secrets-platform:secrets: found no entry named "{missing[0]}"'
        )
    out = []
    for entry in entries:
        item = Revocation(
            entry.name, entry.source, platform_steps(catalogue, entry), store_of(catalogue.config, entry)
        )
        item.operator = operator_steps(catalogue, entry)
        if item.store and stores is not None and not (entry.source == "cloud" and entry.database):
            try:
                state = stores.read(entry)
                item.previous = previous_versions(state, grace_days(catalogue, entry, grace_override))
                by_id = {v.id: v for v in state.versions}
                for previous in item.previous:
                    if apply and previous.revocable_on is not None and previous.revocable_on <= now:
                        stores.revoke(entry, by_id[previous.id])
                        previous.revoked = True
            except StoreError as exc:
                item.error = str(exc)
        out.append(item)
    return out


def render(items: list[Revocation], stack: str, *, stores_read: bool, apply: bool) -> str:
    lines = [
        f"Revocation of previous values in stack {stack}"
        + ("" if stores_read else " (stores not read: --stores)")
    ]
    for item in items:
        lines += ["", f"{item.secret} ({item.source}{', ' + item.store if item.store else ''})"]
        lines += [f"  platform: {step}" for step in item.platform]
        for previous in item.previous:
            when = previous.revocable_on.date().isoformat() if previous.revocable_on else "an unknown day"
            state = "revoked now" if previous.revoked else f"live, revocable from {when}"
            lines.append(f"  {item.store} version {previous.id}: {state}")
        if item.store and stores_read and not item.previous and not item.error:
            lines.append(f"  {item.store}: no previous version is live")
        lines += [f"  operator: {step}" for step in item.operator]
        if item.error:
            lines.append(f"  error: {item.error}")
    live = sum(1 for i in items for p in i.previous if not p.revoked)
    revoked = sum(1 for i in items for p in i.previous if p.revoked)
    lines += ["", f"{revoked} version(s) revoked, {live} previous version(s) still live"
              + ("" if apply else "; --apply revokes those past their grace")]  # fmt: skip
    return "\n".join(lines) + "\n"


def cmd_revoke(
    args: argparse.Namespace, project_dir: Path, *, clients: dict[str, ClientFactory] | None = None
) -> int:
    """The `revoke` subcommand (registered in offline/cli.py)."""
    from offline.cli import envelope

    if args.grace_days is not None and args.grace_days < 0:
        print("error: --grace-days must be 0 or more", file=sys.stderr)
        return exits.USAGE
    catalogue = load_catalogue(project_dir, args.stack)
    now = datetime.now(UTC)
    read = args.stores or args.apply
    stores = Stores(catalogue.config, clients or from_environment(), now=now) if read else None
    try:
        items = revocations(
            catalogue, args.names, stores=stores, apply=args.apply, grace_override=args.grace_days, now=now
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exits.BAD_INPUT
    if args.json:
        sys.stdout.write(envelope("revoke", args.stack, {"applied": args.apply, "storesRead": read,
                                                          "secrets": [i.to_json() for i in items]}))  # fmt: skip
    else:
        sys.stdout.write(render(items, args.stack, stores_read=read, apply=args.apply))
    return exits.BAD_INPUT if any(i.error for i in items) else exits.OK
