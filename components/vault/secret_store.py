"""The Vault secret store: one KV v2 path per `store: hashicorp-vault` entry, versions bounded.

Each entry is `<cluster>/<name>` in the platform's KV v2 mount. Its metadata keeps at most
`vault.maxVersions` versions (older ones are destroyed) and deletes a version
`rotationDays + vault.versionGraceDays` after it was written, so an old value is revoked rather than
kept forever, while the current one outlives its rotation period by the grace.

- `generate: true`: the platform draws the value (pulumi-random, a Pulumi secret) and writes it as a
  KV version; bumping `version` draws a new value, written as the next KV version at the same path
  (a key named `username` is drawn once and kept, as the AWS store's rotation keeps it).
- `generate: false`: the platform writes only the path's metadata (version limits); operators write
  each value (`vault kv put <mount>/<cluster>/<name> key=...`), and each write is a new version.

Entries with `database:` hold no KV value: Vault's database engine issues their credentials
(`components/vault/database.py`).
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints`, which cannot evaluate string annotations once the module has been dropped
# from `sys.modules` (as the offline runner does between stacks); see components/aws/foundation.py.
import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_random as random
import pulumi_vault as vault

from components.kubernetes.external_secrets.operator import ExternalSecretsOperator
from components.kubernetes.external_secrets.secret_store import SyncSecretStore
from components.kubernetes.external_secrets.synced_secret import SyncedSecret, SyncedSecretArgs
from components.vault.database import VaultDatabaseEngine, VaultDatabaseEngineArgs
from components.vault.dynamic_secret import DynamicDatabaseSecret, DynamicDatabaseSecretArgs
from components.vault.foundation import version_retention
from components.vault.paths import auth_role_name, kv_metadata_path, kv_path
from config.models import CloudSecret

KEPT_KEYS = frozenset({"username"})
"""Keys drawn once and kept across rotations (an identity, not a credential), as the AWS store keeps them."""

VALUE_LENGTH = 32
"""Characters of each generated value (the AWS store's rotation Lambda draws as many)."""

STORE_SUFFIX = "vault"
"""Per-workload SecretStores are named `<workload>-vault`."""

KV_VERSION = "v2"
"""External Secrets' KV engine version for the mount (ESO `VaultKVStoreVersion`)."""


@dataclass(frozen=True, kw_only=True)
class VaultSecretStoreArgs:
    entries: list[CloudSecret]
    """Catalogue entries with `source: cloud` and `store: hashicorp-vault`."""
    cluster_name: str
    """Cluster name (`cluster.name`): secrets are `<cluster>/<name>` in the mount."""
    kv_mount: pulumi.Input[str]
    """Path of the KV v2 mount (`VaultFoundation.kv_mount`, so every write waits for the mount)."""
    address: str
    """The Vault's address, for External Secrets' provider block."""
    auth_mount: pulumi.Input[str]
    """Path of the JWT auth method External Secrets logs in with."""
    audience: str
    """Audience of the ServiceAccount tokens External Secrets requests (the auth roles' `bound_audiences`)."""
    max_versions: int
    """Versions kept per secret (`vault.maxVersions`)."""
    grace_days: int
    """Days a version outlives its rotation period (`vault.versionGraceDays`)."""
    database: VaultDatabaseEngineArgs | None = None
    """The database engine, when some entry names a database (`vault.databases`)."""


def check_store_args(args: VaultSecretStoreArgs) -> list[str]:
    """Why these arguments cannot make the store (empty when they can); pure, tested without mocks."""
    problems = []
    seen: set[str] = set()
    for entry in args.entries:
        if not isinstance(entry, CloudSecret) or entry.store != "hashicorp-vault":
            problems.append(f"secret {entry.name!r} is not a `store: hashicorp-vault` secret")
            continue
        if entry.name in seen:
            problems.append(f"secret {entry.name!r} is listed twice")
        seen.add(entry.name)
    if args.max_versions < 2:
        problems.append(f"max_versions {args.max_versions} would destroy the previous value at rotation")
    if any(e.database is not None for e in args.entries) and args.database is None:
        problems.append("secrets name a database but no database engine is given")
    if args.grace_days < 1:
        problems.append(f"grace of {args.grace_days} days would delete a value the moment it is due")
    return problems


def kv_metadata(entry: CloudSecret, cluster_name: str, max_versions: int, grace_days: int) -> dict[str, Any]:
    """The KV v2 metadata of an entry's path: version limits and who manages it (no value)."""
    return {
        "max_versions": max_versions,
        "delete_version_after": int(version_retention(entry.rotation_days, grace_days).total_seconds()),
        "cas_required": False,
        "custom_metadata": {
            "managed-by": "secrets-platform",
            "secrets-platform/cluster": cluster_name,
            "secrets-platform/entry": entry.name,
            "secrets-platform/rotation-days": str(entry.rotation_days),
            "secrets-platform/rotated-by": "platform" if entry.generate else "operators",
        },
    }


def vault_provider_block(
    address: str,
    kv_mount: pulumi.Input[str],
    auth_mount: pulumi.Input[str],
    role: pulumi.Input[str],
    service_account: pulumi.Input[str],
    audience: str,
) -> dict[str, Any]:
    """ESO's `vault` provider reading the KV v2 mount as one auth role, with a token of one ServiceAccount.

    `auth.jwt.kubernetesServiceAccountToken` makes ESO request a short-lived token for the account
    through the TokenRequest API (10 minutes by default) with exactly `audience`, and log in to the
    JWT auth method with it (ESO `VaultJwtAuth`, apis/externalsecrets/v1/secretstore_vault_types.go;
    `serviceAccountRef.audiences` replaces the deprecated `audiences` beside it).
    """
    return {
        "vault": {
            "server": address,
            "path": kv_mount,
            "version": KV_VERSION,
            "auth": {
                "jwt": {
                    "path": auth_mount,
                    "role": role,
                    "kubernetesServiceAccountToken": {
                        "serviceAccountRef": {"name": service_account, "audiences": [audience]}
                    },
                }
            },
        }
    }


class VaultSecretStore(pulumi.ComponentResource):
    """KV v2 paths of the Vault catalogue, with version limits; values generated or written by operators."""

    remote_keys: dict[str, pulumi.Output[str]]
    """Catalogue name -> its path in the mount (`<cluster>/<name>`), as External Secrets reads it; the
    output waits for the path's value or metadata to be written."""
    store_suffix: str = STORE_SUFFIX
    """Per-workload SecretStores are named `<workload>-vault`."""
    service_readers: list[pulumi.Output[str]]
    """Nothing of the store reads secrets by itself (no rotation function): empty."""
    kv_mount: pulumi.Output[str]
    """Path of the KV v2 mount."""
    database: VaultDatabaseEngine | None
    """The database engine, when some entry names a database."""

    def __init__(
        self, name: str, args: VaultSecretStoreArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_store_args(args)
        if problems:
            raise ValueError("; ".join(problems))
        super().__init__("secrets-platform:vault_secret_store:VaultSecretStore", name, None, opts)
        self.remote_keys = {
            entry.name: _path(self, name, args, entry) for entry in args.entries if entry.database is None
        }
        self.database = (
            VaultDatabaseEngine(f"{name}-database", args.database, pulumi.ResourceOptions(parent=self))
            if args.database is not None and args.database.entries
            else None
        )
        self.service_readers = []
        self.kv_mount = pulumi.Output.from_input(args.kv_mount)
        self._args = args
        self.register_outputs({"remote_keys": self.remote_keys, "kv_mount": self.kv_mount})

    def provider(self, service_account: pulumi.Input[str]) -> dict[str, Any]:
        """The `spec.provider` of a SecretStore reading this store as `service_account`'s auth role."""
        args = self._args
        role = pulumi.Output.from_input(service_account).apply(
            lambda sa: auth_role_name(args.cluster_name, sa)
        )
        return vault_provider_block(
            args.address, args.kv_mount, args.auth_mount, role, service_account, args.audience
        )

    def synced_secret(
        self,
        name: str,
        entry: CloudSecret,
        sync_store: SyncSecretStore,
        identity: Any,
        operator: ExternalSecretsOperator,
        opts: pulumi.ResourceOptions,
    ) -> SyncedSecret | DynamicDatabaseSecret:
        """How one entry reaches its Secret: a KV value through the workload's SecretStore, or
        dynamic database credentials through a generator logging in as the same identity."""
        if entry.database is None:
            return SyncedSecret(
                name,
                SyncedSecretArgs(
                    entry=entry,
                    namespace=sync_store.namespace,
                    store_name=sync_store.store_name,
                    remote_key=self.remote_keys[entry.name],
                    operator=operator,
                ),
                opts,
            )
        if self.database is None:  # check_store_args: a database entry comes with the engine's args
            raise ValueError(f"secret {entry.name!r} names a database but the store has no database engine")
        provider = self.provider(identity.service_account_name)["vault"]
        return DynamicDatabaseSecret(
            name,
            DynamicDatabaseSecretArgs(
                entry=entry,
                namespace=sync_store.namespace,
                # A generator reads absolute paths: no KV mount or version.
                provider={k: v for k, v in provider.items() if k not in ("path", "version")},
                creds_path=self.database.creds_paths[entry.name],
                default_ttl_seconds=self.database.default_ttls[entry.name],
                operator=operator,
                depends_on=self.database.ready,
            ),
            opts,
        )


def _path(
    parent: pulumi.Resource, name: str, args: VaultSecretStoreArgs, entry: CloudSecret
) -> pulumi.Output[str]:
    """Declare one entry's KV path; its remote key, once written."""
    path = kv_path(args.cluster_name, entry.name)
    metadata = kv_metadata(entry, args.cluster_name, args.max_versions, args.grace_days)
    if not entry.generate:
        # Metadata only: the value is the operators'. Never deleted by Pulumi: deleting a KV v2
        # metadata path destroys every version of the secret (Vault KV v2 API, "Delete Metadata and
        # All Versions").
        endpoint = vault.generic.Endpoint(
            f"{name}-{entry.name}-metadata",
            path=pulumi.Output.from_input(args.kv_mount).apply(
                lambda mount: kv_metadata_path(mount, args.cluster_name, entry.name)
            ),
            data_json=json.dumps(metadata, sort_keys=True),
            disable_delete=True,
            ignore_absent_fields=True,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        return endpoint.path.apply(lambda _: path)
    values = {key: _value(parent, name, entry, key) for key in entry.keys}
    secret = vault.kv.SecretV2(
        f"{name}-{entry.name}",
        mount=args.kv_mount,
        name=path,
        # A Pulumi secret: the provider also marks `data_json` and `data` secret in its outputs.
        data_json=pulumi.Output.secret(
            pulumi.Output.all(**values).apply(lambda v: json.dumps(v, sort_keys=True))
        ),
        custom_metadata={
            "max_versions": metadata["max_versions"],
            "delete_version_after": metadata["delete_version_after"],
            "cas_required": False,
            "data": metadata["custom_metadata"],
        },
        # A removed entry soft-deletes its latest version only (recoverable with `vault kv undelete`).
        delete_all_versions=False,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return secret.name.apply(lambda _: path)


def _value(parent: pulumi.Resource, name: str, entry: CloudSecret, key: str) -> pulumi.Output[str]:
    # `version` is the rotation trigger (pulumi-random: changed keepers draw a new value); a kept
    # identity is drawn once per entry.
    keepers = {"entry": entry.name} if key in KEPT_KEYS else {"version": str(entry.version)}
    password = random.RandomPassword(
        f"{name}-{entry.name}-{key.replace('.', '-').replace('_', '-').lower()}",
        length=VALUE_LENGTH,
        special=False,
        keepers=keepers,
        opts=pulumi.ResourceOptions(parent=parent, additional_secret_outputs=["result"]),
    )
    return password.result
