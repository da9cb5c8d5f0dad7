"""AWS delivery of cloud-store secrets into pods, and the audit of who reads them.

Secrets Manager holds each `source: cloud` entry (rotated by the project's Lambda); per workload a
sync identity (IAM role pinned to one ServiceAccount) lets External Secrets copy exactly its secrets
into the versioned Kubernetes Secrets the Deployments mount; CloudTrail alarms fire on denied access
and on reads by anyone but those identities and the rotation Lambda.
"""

# No `from __future__ import annotations`: Pulumi reads component annotations with get_type_hints.
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pulumi

from components.aws.audit import SecretAccessAudit, SecretAccessAuditArgs
from components.aws.foundation import AwsFoundation
from components.aws.secret_store import AwsSecretStore, AwsSecretStoreArgs
from components.aws.workload_identity import SecretSyncIdentity, SecretSyncIdentityArgs
from components.kubernetes.external_secrets.operator import (
    ExternalSecretsOperator,
    ExternalSecretsOperatorArgs,
)
from components.kubernetes.external_secrets.secret_store import SyncSecretStore, SyncSecretStoreArgs
from components.kubernetes.external_secrets.sync import sync_plan
from components.kubernetes.external_secrets.synced_secret import SyncedSecret, SyncedSecretArgs
from components.kubernetes.namespace import IsolatedNamespace
from config.models import CloudSecret, StackConfig


@dataclass(frozen=True, kw_only=True)
class AwsSecretDeliveryArgs:
    stack: StackConfig
    """The validated stack (`cloud: aws`)."""
    foundation: AwsFoundation
    """Cluster, OIDC provider and the store key."""
    namespaces: Mapping[str, IsolatedNamespace]
    """The platform's namespaces, by name."""
    project_dir: Path
    """Project directory: the rotation Lambda is packaged from it."""


class AwsSecretDelivery(pulumi.ComponentResource):
    """Secrets Manager store, External Secrets sync per workload, and the secret-access audit."""

    synced_secret_names: Mapping[str, pulumi.Output[str]]
    """Catalogue name -> name of the Kubernetes Secret External Secrets keeps in sync."""
    alarm_topic_arn: pulumi.Output[str]
    """SNS topic of the unauthorized-access alarms."""

    def __init__(
        self, name: str, args: AwsSecretDeliveryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("secrets-platform:aws_secret_delivery:AwsSecretDelivery", name, None, opts)
        stack, cloud = args.stack, args.foundation
        aws_cfg = stack.aws
        assert aws_cfg is not None  # config/references.py requires the block on an AWS stack
        child = pulumi.ResourceOptions(parent=self)
        entries = [s for s in stack.secrets if isinstance(s, CloudSecret) and s.store == "default"]
        store = AwsSecretStore(
            f"{name}-store",
            AwsSecretStoreArgs(
                entries=entries,
                cluster_name=stack.cluster.name,
                store_key_arn=cloud.store_key_id,
                recovery_window_days=aws_cfg.secret_recovery_window_days,
                project_dir=args.project_dir,
                region=stack.region,
                account_id=aws_cfg.account_id,
            ),
            child,
        )
        synced, readers = _sync(name, args, store.secret_arns, child)
        if store.rotation_role_arn is not None:
            readers.append(store.rotation_role_arn)
        audit = SecretAccessAudit(
            f"{name}-audit",
            SecretAccessAuditArgs(
                cluster_name=stack.cluster.name,
                account_id=aws_cfg.account_id,
                region=stack.region,
                store_key_arn=cloud.store_key_id,
                alerting=stack.alerting,
                expected_readers=readers,
                log_retention_days=stack.cluster.log_retention_days,
            ),
            child,
        )
        self.synced_secret_names = {n: s.secret_name for n, s in synced.items()}
        self.alarm_topic_arn = audit.alarm_topic_arn
        self.register_outputs(
            {"synced_secret_names": self.synced_secret_names, "alarm_topic_arn": self.alarm_topic_arn}
        )


def _sync(
    name: str,
    args: AwsSecretDeliveryArgs,
    secret_arns: Mapping[str, pulumi.Output[str]],
    opts: pulumi.ResourceOptions,
) -> tuple[dict[str, SyncedSecret], list[pulumi.Input[str]]]:
    """Per workload reading cloud secrets: its sync identity, its SecretStore, one ExternalSecret each."""
    stack, cloud = args.stack, args.foundation
    plan = sync_plan(stack)
    if not plan:
        return {}, []
    operator = ExternalSecretsOperator(
        f"{name}-eso",
        ExternalSecretsOperatorArgs(
            kubernetes_version=stack.cluster.kubernetes_version,
            reload_namespaces=[
                args.namespaces[ns].namespace_name
                for ns in sorted({stack.workload(w).namespace_name for w in plan})
            ],
        ),
        opts,
    )
    synced: dict[str, SyncedSecret] = {}
    readers: list[pulumi.Input[str]] = []
    for workload_name, entries in plan.items():
        workload = stack.workload(workload_name)
        identity = SecretSyncIdentity(
            f"{name}-identity-{workload_name}",
            SecretSyncIdentityArgs(
                workload=workload,
                secret_arns={e.name: secret_arns[e.name] for e in entries},
                oidc_provider_arn=cloud.oidc_provider_arn,
                oidc_issuer=cloud.oidc_issuer,
                store_key_arn=cloud.store_key_id,
                region=stack.region,
                namespace=args.namespaces[workload.namespace_name].namespace_name,
            ),
            opts,
        )
        readers.append(identity.role_arn)
        store = SyncSecretStore(
            f"{name}-sync-store-{workload_name}",
            SyncSecretStoreArgs(
                workload=workload_name,
                namespace=identity.namespace,
                service_account=identity.service_account_name,
                region=stack.region,
                operator=operator,
            ),
            opts,
        )
        for entry in entries:
            synced[entry.name] = SyncedSecret(
                f"{name}-synced-{entry.name}",
                SyncedSecretArgs(
                    entry=entry,
                    namespace=store.namespace,
                    store_name=store.store_name,
                    remote_key=secret_arns[entry.name],
                    operator=operator,
                ),
                opts,
            )
    return synced, readers
