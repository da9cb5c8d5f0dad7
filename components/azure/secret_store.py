"""The Azure secret store: one Key Vault secret per cloud catalogue entry, rotated by the project's function.

Each `source: cloud` entry of the default store becomes a secret `<cluster>-<entry>` in the stack's
vault: a JSON object of the entry's keys (content type `application/json`, which External Secrets'
`remoteRef.property` reads), with an expiry and tags naming its rotation period. Entries with
`generate: true` get a random initial value (a Pulumi secret) and are rotated by ONE shared function
(`functions/keyvault_rotation`, `components/azure/rotation_function.py`) when Key Vault announces that
their current version nears expiry. Entries with `generate: false` get an empty object `{}` that
operators replace (`az keyvault secret set`), as they put the value of such a secret on AWS.

Key Vault secrets are encrypted by Key Vault itself (HSM-backed in a premium vault); the stack's store
key encrypts the rotation function's storage account.
"""

# No `from __future__ import annotations` here: see components/azure/foundation.py.
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_azure_native as azure_native
import pulumi_random as random

from components.azure.rotation_function import RoleDefinitionId, RotationFunctionArgs, rotation_function
from config.azure_names import keyvault_secret_name
from config.models import CloudSecret

CONTENT_TYPE = "application/json"
"""The value is a JSON object of the entry's keys."""
GRACE_DAYS = 30
"""A version expires this long after its successor is due: Key Vault's SecretNearExpiry lead time, so
the event (30 days before expiry) arrives `rotationDays` after the version was written (the function's
`rotation.GRACE_DAYS`)."""
KEPT_KEYS = frozenset({"username"})
"""Keys the rotation keeps (the function's `rotation.KEPT_KEYS`); the platform draws them once."""
USERNAME_LENGTH = 28
"""Lower-case letters of a generated username: 28 draw 131 bits, over the 128 that every generated
value must have (policy random-password-strength), and fit the 32 characters MySQL allows."""
WORKLOAD_IDENTITY_AUDIENCE = "api://AzureADTokenExchange"
"""The audience of ServiceAccount tokens exchanged for Entra ID tokens (Entra workload identity
federation; External Secrets' azurekv WorkloadIdentity auth requests it)."""


@dataclass(frozen=True, kw_only=True)
class AzureSecretStoreArgs:
    entries: list[CloudSecret]
    """Catalogue entries with `source: cloud` and `store: default`, on a stack with `cloud: azure`."""
    cluster_name: str
    """Cluster name (`cluster.name`): secrets are `<cluster>-<entry>`."""
    key_vault_name: str
    """The vault (`azure.keyVaultName`), also the name the rotation function's resources derive from."""
    tenant_id: str
    """Entra ID tenant of the vault (`azure.tenantId`), for External Secrets' provider."""
    region: str
    resource_group_name: pulumi.Input[str]
    vault_id: pulumi.Input[str]
    vault_uri: pulumi.Input[str]
    store_key_name: pulumi.Input[str]
    store_key_resource_id: pulumi.Input[str]
    functions_subnet_id: pulumi.Input[str]
    project_dir: Path
    """Project directory: the function's source is read from it and its package written under `out/`."""
    password_length: int = 32
    """Characters of every generated value except usernames (the function's `PASSWORD_LENGTH`)."""
    now: float | None = None
    """Seconds since the epoch the first expiry counts from (the current time when not given)."""


def check_store_args(args: AzureSecretStoreArgs) -> list[str]:
    """Why these arguments cannot make the store (empty when they can); pure, tested without mocks."""
    problems = []
    seen: set[str] = set()
    for entry in args.entries:
        if not isinstance(entry, CloudSecret):
            problems.append(
                f"secret {entry.name!r} has source {entry.source!r}; the store takes cloud secrets"
            )
            continue
        if entry.store != "default":
            problems.append(
                f"secret {entry.name!r} is kept in store {entry.store!r}, not the Key Vault store"
            )
        if entry.name in seen:
            problems.append(f"secret {entry.name!r} is listed twice")
        seen.add(entry.name)
        if entry.generate and set(entry.keys) <= KEPT_KEYS:
            problems.append(
                f"secret {entry.name!r} is generated but has only keys the rotation keeps "
                f"({', '.join(sorted(KEPT_KEYS))}); add a key to rotate, such as 'password'"
            )
    if not 16 <= args.password_length <= 4096:
        problems.append(f"password length is {args.password_length}; use 16 to 4096 characters")
    if any(entry.generate for entry in args.entries):
        source = args.project_dir / "functions" / "keyvault_rotation" / "function_app.py"
        if not source.is_file():
            problems.append(f"the rotation function source {source} does not exist")
    return problems


def first_expiry(now: float, rotation_days: int) -> int:
    """Expiry of a secret's first version: `rotationDays + GRACE_DAYS` days after the start of today (UTC).

    Counted from midnight so that every plan of one day declares the same value.
    """
    midnight = int(now) - int(now) % 86400
    return midnight + (rotation_days + GRACE_DAYS) * 86400


def secret_tags(cluster_name: str, entry: CloudSecret) -> dict[str, str]:
    """Names and settings only (tags are readable by anyone who may list the vault's secrets)."""
    return {
        "managed-by": "secrets-platform",
        "secrets-platform/entry": entry.name,
        "secrets-platform/cluster": cluster_name,
        "secrets-platform/rotation-days": str(entry.rotation_days),
        "secrets-platform/rotated-by": "function" if entry.generate else "operators",
    }


def secret_store_provider(
    vault_uri: pulumi.Input[str], tenant_id: str, service_account: pulumi.Input[str]
) -> dict[str, Any]:
    """ESO's provider block reading Key Vault as the identity federated with `service_account`.

    With `authType: WorkloadIdentity`, External Secrets requests a token for the ServiceAccount (audience
    `api://AzureADTokenExchange`) and exchanges it for the identity named by the account's
    `azure.workload.identity/client-id` annotation (ESO docs, "Azure Key Vault": workload identity).
    """
    return {
        "azurekv": {
            "authType": "WorkloadIdentity",
            "vaultUrl": vault_uri,
            "tenantId": tenant_id,
            "serviceAccountRef": {"name": service_account},
        }
    }


class AzureSecretStore(pulumi.ComponentResource):
    """Key Vault secrets for the cloud catalogue, with a rotation function for generated ones."""

    secret_ids: dict[str, pulumi.Output[str]]
    """Catalogue name -> ARM id of its Key Vault secret (the scope of its readers' role assignments)."""
    remote_keys: dict[str, pulumi.Output[str]]
    """Catalogue name -> the Key Vault secret name External Secrets reads."""
    store_suffix: str = "key-vault"
    """Per-workload SecretStores are named `<workload>-key-vault`."""
    service_readers: list[pulumi.Output[str]]
    """The rotation function's identity (principal id), the one reader besides the workloads' identities."""
    rotation_function_id: pulumi.Output[str] | None
    """ARM id of the rotation function app; None when no entry is generated."""

    def __init__(
        self, name: str, args: AzureSecretStoreArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_store_args(args)
        if problems:
            raise ValueError("; ".join(problems))
        super().__init__("secrets-platform:azure_secret_store:AzureSecretStore", name, None, opts)
        now = args.now if args.now is not None else time.time()
        secrets = {entry.name: _secret(self, name, args, entry, now) for entry in args.entries}
        generated = {
            keyvault_secret_name(args.cluster_name, e.name): secrets[e.name]
            for e in args.entries
            if e.generate
        }
        self.rotation_function_id = None
        self.service_readers = []
        if generated:
            function = rotation_function(
                name,
                RotationFunctionArgs(
                    cluster_name=args.cluster_name,
                    key_vault_name=args.key_vault_name,
                    region=args.region,
                    resource_group_name=args.resource_group_name,
                    vault_id=args.vault_id,
                    vault_uri=args.vault_uri,
                    store_key_name=args.store_key_name,
                    store_key_resource_id=args.store_key_resource_id,
                    functions_subnet_id=args.functions_subnet_id,
                    secrets=generated,
                    password_length=args.password_length,
                    project_dir=args.project_dir,
                    role_definition=RoleDefinitionId(
                        pulumi.Output.from_input(args.vault_id).apply(lambda rid: rid.split("/")[2])
                    ),
                ),
                self,
            )
            self.rotation_function_id = function.app.id
            self.service_readers = [function.identity.principal_id]
        self.secret_ids = {entry_name: secret.id for entry_name, secret in secrets.items()}
        self.remote_keys = {entry_name: secret.name for entry_name, secret in secrets.items()}
        self._vault_uri = args.vault_uri
        self._tenant_id = args.tenant_id
        self.register_outputs(
            {"secret_ids": self.secret_ids, "rotation_function_id": self.rotation_function_id}
        )

    def provider(self, service_account: pulumi.Input[str]) -> dict[str, Any]:
        """The `spec.provider` of a SecretStore reading these secrets as `service_account`."""
        return secret_store_provider(self._vault_uri, self._tenant_id, service_account)


def _initial_value(
    parent: pulumi.Resource, name: str, args: AzureSecretStoreArgs, entry: CloudSecret
) -> pulumi.Output[str]:
    """The first value, drawn by pulumi-random; the rotation function owns every value after it."""
    if not entry.generate:
        # Operators set the value (`az keyvault secret set`); until then External Secrets reports the
        # missing properties and the Deployment waits for the Secret.
        return pulumi.Output.secret("{}")
    values: dict[str, pulumi.Output[str]] = {}
    for key in entry.keys:
        kept = key in KEPT_KEYS
        password = random.RandomPassword(
            f"{name}-{entry.name}-{key.replace('.', '-')}",
            length=USERNAME_LENGTH if kept else args.password_length,
            special=False,
            upper=not kept,
            numeric=not kept,
            keepers={"version": str(entry.version)},
            opts=pulumi.ResourceOptions(parent=parent),
        )
        values[key] = password.result
    document = pulumi.Output.all(**values).apply(lambda resolved: json.dumps(resolved, sort_keys=True))
    return pulumi.Output.secret(document)


def _secret(
    parent: pulumi.Resource, name: str, args: AzureSecretStoreArgs, entry: CloudSecret, now: float
) -> azure_native.keyvault.Secret:
    return azure_native.keyvault.Secret(
        f"{name}-{entry.name}",
        secret_name=keyvault_secret_name(args.cluster_name, entry.name),
        resource_group_name=args.resource_group_name,
        vault_name=args.key_vault_name,
        properties={
            "value": _initial_value(parent, name, args, entry),
            "content_type": CONTENT_TYPE,
            "attributes": {"enabled": True, "expires": first_expiry(now, entry.rotation_days)},
        },
        tags=secret_tags(args.cluster_name, entry),
        # The rotation function (or operators) writes every version after the first, with its own
        # expiry: Pulumi must never write the initial value or expiry back over a rotated version.
        opts=pulumi.ResourceOptions(
            parent=parent,
            ignore_changes=["properties.value", "properties.attributes"],
            additional_secret_outputs=["properties"],
        ),
    )
