"""One cloud-store secret kept in sync with the versioned Kubernetes Secret its readers consume."""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints`, which cannot evaluate string annotations once the module has been dropped
# from `sys.modules` (as the offline runner does between stacks); see components/aws/foundation.py.
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.external_secrets.operator import ExternalSecretsOperator
from components.kubernetes.external_secrets.sync import (
    EXTERNAL_SECRETS_API_VERSION,
    MAX_REFRESH,
    STORE_KIND,
    WAIT_FOR_ANNOTATION,
    WAIT_FOR_READY,
    go_duration,
    refresh_interval,
)
from components.kubernetes.secret import ROTATION_ANNOTATION, secret_labels, versioned_name
from config.models import CloudSecret


def external_secret_spec(
    entry: CloudSecret,
    store_name: pulumi.Input[str],
    remote_key: pulumi.Input[str],
    refresh: timedelta,
) -> dict[str, Any]:
    """An ExternalSecret copying exactly the entry's keys into the Secret `<name>-v<version>`.

    `data[]` names each key (a missing property fails the sync) where `dataFrom.extract` would copy
    whatever else the remote JSON holds. The Secret is owned by the ExternalSecret (deleted with it,
    so a version bump removes the old one) and kept as it is if the remote secret disappears
    (`deletionPolicy: Retain`): a secret scheduled for deletion must not take running pods' Secret
    with it; the ExternalSecret turns not Ready instead.
    """
    return {
        "refreshPolicy": "Periodic",
        "refreshInterval": go_duration(refresh),
        "secretStoreRef": {"name": store_name, "kind": STORE_KIND},
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
        "data": [{"secretKey": key, "remoteRef": {"key": remote_key, "property": key}} for key in entry.keys],
    }


@dataclass(frozen=True, kw_only=True)
class SyncedSecretArgs:
    entry: CloudSecret
    """The catalogue entry (`source: cloud`): its keys, version and rotation period."""
    namespace: pulumi.Input[str]
    """Namespace of the Secret (`SyncSecretStore.namespace`, the store must be in the same one)."""
    store_name: pulumi.Input[str]
    """The SecretStore to read through (`SyncSecretStore.store_name`), so the ExternalSecret waits for it."""
    remote_key: pulumi.Input[str]
    """The store's key of the secret (`SecretStore.remote_keys`: an ARN, a Key Vault secret name)."""
    operator: ExternalSecretsOperator
    """The operator, whose release installs the CRDs and the admission webhook."""
    max_refresh: timedelta = MAX_REFRESH
    """Ceiling of `refreshInterval`; the interval is also at most a quarter of the rotation period."""


def check_synced_args(args: SyncedSecretArgs) -> list[str]:
    """Why these arguments cannot make a synced Secret (empty when they can); pure, tested without mocks."""
    entry = args.entry
    where = f"secret {entry.name!r}"
    if not isinstance(entry, CloudSecret):
        return [f"{where} has source {entry.source!r}: only `source: cloud` secrets are synced by ESO"]
    problems = []
    if isinstance(args.remote_key, str) and (not args.remote_key or "*" in args.remote_key):
        problems.append(f"{where}: remote_key {args.remote_key!r} must name one secret exactly")
    # The interval is then at most a quarter of the rotation period, whatever the ceiling.
    if args.max_refresh.total_seconds() < 1 or args.max_refresh.total_seconds() % 1:
        problems.append(f"{where}: max_refresh must be a positive whole number of seconds")
    return problems


class SyncedSecret(pulumi.ComponentResource):
    """An ExternalSecret that keeps the Kubernetes Secret `<name>-v<version>` equal to a store
    secret's keys, re-read well within the rotation period."""

    secret_name: pulumi.Output[str]
    """Name of the synced Secret (`<name>-v<version>`, also the ExternalSecret's name); pass it as
    `SecretGrant.secret_name` so the Deployment waits until the Secret is synced."""
    namespace: pulumi.Output[str]
    """Namespace of the synced Secret."""
    refresh_interval: str
    """How often ESO re-reads the secret, as a Go duration (`1h`)."""

    def __init__(self, name: str, args: SyncedSecretArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        problems = check_synced_args(args)
        if problems:
            raise ValueError("; ".join(problems))
        super().__init__("secrets-platform:external_secrets:SyncedSecret", name, None, opts)
        entry = args.entry
        refresh = refresh_interval(entry.rotation_days, args.max_refresh)
        external_secret = k8s.apiextensions.CustomResource(
            f"{name}-external-secret",
            api_version=EXTERNAL_SECRETS_API_VERSION,
            kind="ExternalSecret",
            metadata={
                # Named like its Secret: a version bump replaces both, create-before-delete.
                "name": versioned_name(entry.name, entry.version),
                "namespace": args.namespace,
                "labels": secret_labels(entry),
                # Created only once the Secret is synced, so the Deployment never names a missing Secret.
                "annotations": {
                    WAIT_FOR_ANNOTATION: WAIT_FOR_READY,
                    ROTATION_ANNOTATION: str(entry.rotation_days),
                },
            },
            spec=external_secret_spec(entry, args.store_name, args.remote_key, refresh),
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[args.operator.release], delete_before_replace=False
            ),
        )
        self.secret_name = external_secret.metadata["name"]
        self.namespace = external_secret.metadata["namespace"]
        self.refresh_interval = go_duration(refresh)
        self.register_outputs(
            {
                "secret_name": self.secret_name,
                "namespace": self.namespace,
                "refresh_interval": self.refresh_interval,
            }
        )
