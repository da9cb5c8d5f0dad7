"""The AWS backend of the cloud interface (`components/cloud.py`): EKS with KMS, Secrets Manager with
the rotation Lambda, IAM roles for service accounts, CloudTrail with CloudWatch alarms.

It turns the stack config into each component's narrow arguments; nothing else here decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pulumi

from components.aws.audit import SecretAccessAudit, SecretAccessAuditArgs
from components.aws.foundation import AwsFoundation, AwsFoundationArgs, cluster_log_group_name
from components.aws.secret_delivery import AwsSecretDelivery
from components.aws.secret_store import AwsSecretStore, AwsSecretStoreArgs
from components.aws.workload_identity import SecretSyncIdentity, SecretSyncIdentityArgs
from components.cloud import IdentityRequest
from components.kubernetes.external_secrets.delivery import SecretDeliveryArgs
from config.models import AwsConfig, CloudSecret, StackConfig


class AwsBackend:
    """The parts of the cloud interface, on AWS."""

    def __init__(self, stack: StackConfig, project_dir: Path) -> None:
        if stack.aws is None:  # config/references.py requires the block on an AWS stack
            raise ValueError("an AWS stack needs the secrets-platform:aws block")
        self._stack = stack
        self._aws: AwsConfig = stack.aws
        self._project_dir = project_dir

    def foundation(self, name: str, opts: pulumi.ResourceOptions) -> AwsFoundation:
        return AwsFoundation(name, foundation_args(self._stack), opts)

    def secret_store(
        self,
        name: str,
        foundation: AwsFoundation,
        entries: Sequence[CloudSecret],
        opts: pulumi.ResourceOptions,
    ) -> AwsSecretStore:
        return AwsSecretStore(
            name,
            AwsSecretStoreArgs(
                entries=list(entries),
                cluster_name=self._stack.cluster.name,
                store_key_arn=foundation.store_key_id,
                recovery_window_days=self._aws.secret_recovery_window_days,
                project_dir=self._project_dir,
                region=self._stack.region,
                account_id=self._aws.account_id,
            ),
            opts,
        )

    def workload_identity(
        self,
        name: str,
        foundation: AwsFoundation,
        store: AwsSecretStore,
        request: IdentityRequest,
        opts: pulumi.ResourceOptions,
    ) -> SecretSyncIdentity:
        return SecretSyncIdentity(
            name,
            SecretSyncIdentityArgs(
                workload=request.workload,
                secret_arns={e.name: store.secret_arns[e.name] for e in request.entries},
                oidc_provider_arn=foundation.oidc_provider_arn,
                oidc_issuer=foundation.oidc_issuer,
                store_key_arn=foundation.store_key_id,
                region=self._stack.region,
                namespace=request.namespace,
            ),
            opts,
        )

    def audit(
        self,
        name: str,
        foundation: AwsFoundation,
        expected_readers: Sequence[pulumi.Input[str]],
        opts: pulumi.ResourceOptions,
    ) -> SecretAccessAudit:
        stack = self._stack
        return SecretAccessAudit(
            name,
            SecretAccessAuditArgs(
                cluster_name=stack.cluster.name,
                account_id=self._aws.account_id,
                region=stack.region,
                store_key_arn=foundation.store_key_id,
                alerting=stack.alerting,
                expected_readers=list(expected_readers),
                log_retention_days=stack.cluster.log_retention_days,
                # An output of the cluster, which waits for its log group: the filter needs the group.
                cluster_log_group_name=foundation.cluster.name.apply(cluster_log_group_name),
            ),
            opts,
        )

    def secret_delivery(
        self, name: str, args: SecretDeliveryArgs, opts: pulumi.ResourceOptions
    ) -> AwsSecretDelivery:
        return AwsSecretDelivery(name, args, opts)


def foundation_args(stack: StackConfig) -> AwsFoundationArgs:
    """The foundation's arguments from a stack with `cloud: aws`."""
    cloud = stack.aws
    if cloud is None:  # config/references.py requires the block on such a stack
        raise ValueError("a stack with cloud: aws needs the secrets-platform:aws block")
    return AwsFoundationArgs(
        aws=cloud,
        cluster=stack.cluster,
        region=stack.region,
        operators_group=stack.operators.group,
        node_size=stack.node_size,
    )
