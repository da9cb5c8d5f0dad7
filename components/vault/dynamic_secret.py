"""Dynamic database credentials delivered into the versioned Secret a workload consumes.

A `VaultDynamicSecret` generator (ESO `generators.external-secrets.io/v1alpha1`,
apis/generators/v1alpha1/types_vault.go) reads `<mount>/creds/<role>` as the workload's sync identity;
an ExternalSecret with `dataFrom.sourceRef.generatorRef` writes its `username` and `password` into
`<name>-v<version>`. Each refresh asks Vault for a new user: the interval is half the credentials'
lifetime, so a pod's credentials are always valid for at least the other half, and the previous user
expires on its own lease. Consumers mounting the Secret as a volume see new files (the app re-reads
them); env consumers are rolled by Reloader, as for any synced Secret.
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints`, which cannot evaluate string annotations once the module has been dropped
# from `sys.modules` (as the offline runner does between stacks); see components/aws/foundation.py.
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.external_secrets.operator import ExternalSecretsOperator
from components.kubernetes.external_secrets.sync import (
    EXTERNAL_SECRETS_API_VERSION,
    WAIT_FOR_ANNOTATION,
    WAIT_FOR_READY,
    go_duration,
)
from components.kubernetes.secret import ROTATION_ANNOTATION, secret_labels, versioned_name
from config.models import CloudSecret

GENERATOR_API_VERSION = "generators.external-secrets.io/v1alpha1"
GENERATOR_KIND = "VaultDynamicSecret"


def refresh_for(default_ttl_seconds: int) -> timedelta:
    """Half the credentials' lifetime, in whole minutes (at least one)."""
    return timedelta(minutes=max(1, default_ttl_seconds // 120))


def generator_spec(provider: Mapping[str, Any], creds_path: str) -> dict[str, Any]:
    """A generator reading one role's credentials (GET, the `data` of the response)."""
    return {"provider": dict(provider), "path": creds_path, "method": "GET", "resultType": "Data"}


def dynamic_external_secret_spec(
    entry: CloudSecret, generator: pulumi.Input[str], refresh: timedelta
) -> dict[str, Any]:
    """An ExternalSecret writing the generator's `username` and `password` into `<name>-v<version>`."""
    return {
        "refreshPolicy": "Periodic",
        "refreshInterval": go_duration(refresh),
        "target": {
            "name": versioned_name(entry.name, entry.version),
            "creationPolicy": "Owner",
            "deletionPolicy": "Retain",
            "template": {
                "type": "Opaque",
                "engineVersion": "v2",
                "mergePolicy": "Replace",
                "metadata": {
                    "labels": secret_labels(entry),
                    "annotations": {ROTATION_ANNOTATION: str(entry.rotation_days)},
                },
            },
        },
        "dataFrom": [
            {
                "sourceRef": {
                    "generatorRef": {
                        "apiVersion": GENERATOR_API_VERSION,
                        "kind": GENERATOR_KIND,
                        "name": generator,
                    }
                }
            }
        ],
    }


@dataclass(frozen=True, kw_only=True)
class DynamicDatabaseSecretArgs:
    entry: CloudSecret
    """The catalogue secret (`database:` set, keys username and password)."""
    namespace: pulumi.Input[str]
    """Namespace of the workload, its sync ServiceAccount and the Secret."""
    provider: Mapping[str, Any]
    """ESO's `vault` provider block logging in as the workload's sync identity (`VaultSecretStore.provider`)."""
    creds_path: str
    """Where the role's credentials are read (`VaultDatabaseEngine.creds_paths`)."""
    default_ttl_seconds: int
    """Lifetime of the credentials; the refresh interval is half of it."""
    operator: ExternalSecretsOperator
    """The operator, whose release installs the generator CRDs."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What must exist before the first read: the database role."""


def check_dynamic_args(args: DynamicDatabaseSecretArgs) -> list[str]:
    """Why these arguments cannot make the Secret (empty when they can); pure, tested without mocks."""
    problems = []
    if args.entry.database is None:
        problems.append(f"secret {args.entry.name!r} names no database")
    if sorted(args.entry.keys) != ["password", "username"]:
        problems.append(f"secret {args.entry.name!r} must have exactly the keys username and password")
    if "*" in args.creds_path or "/creds/" not in args.creds_path:
        problems.append(f"{args.creds_path!r} is not one role's credentials path")
    return problems


class DynamicDatabaseSecret(pulumi.ComponentResource):
    """A generator of one role's credentials and the ExternalSecret keeping `<name>-v<version>` filled."""

    secret_name: pulumi.Output[str]
    """Name of the Secret (`<name>-v<version>`); the Deployment waits until it is filled."""
    refresh_interval: str
    """How often new credentials are requested, as a Go duration."""

    def __init__(
        self, name: str, args: DynamicDatabaseSecretArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_dynamic_args(args)
        if problems:
            raise ValueError("; ".join(problems))
        super().__init__("secrets-platform:vault_dynamic_secret:DynamicDatabaseSecret", name, None, opts)
        entry = args.entry
        secret = versioned_name(entry.name, entry.version)
        generator = k8s.apiextensions.CustomResource(
            f"{name}-generator",
            api_version=GENERATOR_API_VERSION,
            kind=GENERATOR_KIND,
            metadata={"name": secret, "namespace": args.namespace, "labels": secret_labels(entry)},
            spec=generator_spec(args.provider, args.creds_path),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.operator.release, *args.depends_on]),
        )
        refresh = refresh_for(args.default_ttl_seconds)
        external_secret = k8s.apiextensions.CustomResource(
            f"{name}-external-secret",
            api_version=EXTERNAL_SECRETS_API_VERSION,
            kind="ExternalSecret",
            metadata={
                "name": secret,
                "namespace": args.namespace,
                "labels": secret_labels(entry),
                "annotations": {
                    WAIT_FOR_ANNOTATION: WAIT_FOR_READY,
                    ROTATION_ANNOTATION: str(entry.rotation_days),
                },
            },
            spec=dynamic_external_secret_spec(entry, generator.metadata["name"], refresh),
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[args.operator.release], delete_before_replace=False
            ),
        )
        self.secret_name = external_secret.metadata["name"]
        self.refresh_interval = go_duration(refresh)
        self.register_outputs({"secret_name": self.secret_name, "refresh_interval": self.refresh_interval})
