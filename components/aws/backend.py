"""The AWS backend of the cloud interface (`components/cloud.py`): EKS with KMS, Secrets Manager with
the rotation Lambda, IAM roles for service accounts, CloudTrail with CloudWatch alarms.

It turns the stack config into each component's narrow arguments; nothing else here decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.aws.audit import SecretAccessAudit, SecretAccessAuditArgs
from components.aws.database import RdsDatabase, RdsDatabaseArgs
from components.aws.foundation import AwsFoundation, AwsFoundationArgs, cluster_log_group_name
from components.aws.mobile_alarms import MobileAlarms, MobileAlarmsArgs
from components.aws.secret_delivery import AwsSecretDelivery
from components.aws.secret_store import AwsSecretStore, AwsSecretStoreArgs, secret_store_provider
from components.aws.web_acl import BffWebAcl, BffWebAclArgs
from components.aws.workload_identity import SecretSyncIdentity, SecretSyncIdentityArgs
from components.cloud import DatabaseRequest, IdentityRequest
from components.kubernetes.external_secrets.delivery import SecretDeliveryArgs
from components.kubernetes.external_secrets.secret_store import SyncSecretStore, SyncSecretStoreArgs
from components.kubernetes.external_secrets.synced_secret import SyncedSecret, SyncedSecretArgs
from config.models import AwsConfig, CloudSecret, StackConfig, Workload

DATABASE_SECRET = "cms-database"
"""The Kubernetes Secret (`cms-database-v1`) External Secrets keeps the RDS master credentials in."""
DATABASE_ROTATION_DAYS = 7
"""RDS rotates the managed master password every 7 days unless told otherwise (RDS user guide)."""


class AwsBackend:
    """The parts of the cloud interface, on AWS."""

    def __init__(self, stack: StackConfig, project_dir: Path) -> None:
        if stack.aws is None:  # config/references/ requires the block on an AWS stack
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

    def database(
        self, name: str, foundation: AwsFoundation, request: DatabaseRequest, opts: pulumi.ResourceOptions
    ) -> AwsCmsDatabase:
        stack = self._stack
        cms = stack.cms
        vpc = foundation.cluster.vpc_config
        database = RdsDatabase(
            name,
            RdsDatabaseArgs(
                cluster_name=stack.cluster.name,
                subnet_ids=self._aws.subnet_ids,
                vpc_id=vpc.apply(lambda v: v.vpc_id or ""),
                client_security_group_id=vpc.apply(lambda v: v.cluster_security_group_id or ""),
                store_key_arn=foundation.store_key_id,
                instance_class=cms.database_size or "db.t4g.medium",
                storage_gb=cms.database_storage_gb,
                backup_days=cms.database_backup_days,
                log_retention_days=stack.cluster.log_retention_days,
            ),
            opts,
        )
        # The CMS's own sync identity: may read exactly the RDS master secret, from the CMS namespace.
        identity = SecretSyncIdentity(
            f"{name}-sync-identity",
            SecretSyncIdentityArgs(
                workload=Workload(name="cms", namespace=cms.namespace, image=cms.image),
                secret_arns={DATABASE_SECRET: database.master_secret_arn},
                oidc_provider_arn=foundation.oidc_provider_arn,
                oidc_issuer=foundation.oidc_issuer,
                store_key_arn=foundation.store_key_id,
                region=stack.region,
                namespace=request.namespace,
            ),
            opts,
        )
        cidrs = pulumi.Output.all(
            *[aws.ec2.get_subnet_output(id=subnet).cidr_block for subnet in self._aws.subnet_ids]
        )
        return AwsCmsDatabase(name, database, identity, cidrs, stack.region, cms.namespace, opts)

    def mobile_alerts(
        self,
        name: str,
        foundation: AwsFoundation,
        audit: SecretAccessAudit | None,
        opts: pulumi.ResourceOptions,
    ) -> MobileAlarms | None:
        """Alarms to the audit's SNS topic."""
        stack = self._stack
        if audit is None:
            return None
        return MobileAlarms(
            name,
            MobileAlarmsArgs(
                cluster_name=stack.cluster.name,
                cluster=foundation.cluster_name,
                oidc_provider_arn=foundation.oidc_provider_arn,
                oidc_issuer=foundation.oidc_issuer,
                store_key_arn=foundation.store_key_id,
                log_retention_days=stack.cluster.log_retention_days,
                alarm_topic_arn=audit.alarm_topic,
                bff_namespace=stack.bff.namespace,
                cms_namespace=stack.cms.namespace,
                auth_failure_threshold=stack.alerting.bff_auth_failure_threshold,
                rate_limited_threshold=stack.alerting.bff_rate_limited_threshold,
                cms_login_failure_threshold=stack.alerting.cms_login_failure_threshold,
            ),
            opts,
        )

    def web_acl(self, name: str, opts: pulumi.ResourceOptions) -> BffWebAcl | None:
        """The BFF's WAFv2 web ACL, when the stack asks for one (`edge.waf`)."""
        stack = self._stack
        if stack.edge.waf is None:
            return None
        return BffWebAcl(
            name,
            BffWebAclArgs(
                cluster_name=stack.cluster.name,
                rate_limit_per_minute=stack.bff.rate_limit_per_minute,
                allowed_cidrs=stack.bff.allowed_cidrs,
                load_balancer_arn=stack.edge.waf.load_balancer_arn,
            ),
            opts,
        )


class AwsCmsDatabase:
    """RDS for the CMS, and how its rotated master password reaches the CMS namespace.

    Two steps, because the secrets audit must know the sync identity (an expected reader) before the
    External Secrets Operator exists to sync through: `readers` first, then `deliver(operator)`.
    """

    port = 5432
    rotates = True

    def __init__(
        self,
        name: str,
        database: RdsDatabase,
        identity: SecretSyncIdentity,
        cidrs: pulumi.Output[list[str]],
        region: str,
        namespace: str,
        opts: pulumi.ResourceOptions,
    ) -> None:
        self._name = name
        self._database = database
        self._identity = identity
        self._region = region
        self._opts = opts
        self.host = database.host
        self.database_name = database.database_name
        self.username = database.username
        self.egress_cidrs = cidrs
        self.readers: list[pulumi.Input[str]] = [identity.principal]
        self.credentials_secret: pulumi.Output[str] = pulumi.Output.from_input(f"{DATABASE_SECRET}-v1")
        self._entry = CloudSecret(
            name=DATABASE_SECRET,
            description="RDS master credentials of the CMS database (managed and rotated by RDS)",
            source="cloud",
            keys=["username", "password"],
            namespace=namespace,
            rotation_days=DATABASE_ROTATION_DAYS,
        )

    def deliver(self, operator: object) -> None:
        """The SecretStore and ExternalSecret that copy the master credentials into the CMS namespace."""
        identity = self._identity
        store = SyncSecretStore(
            f"{self._name}-sync-store",
            SyncSecretStoreArgs(
                workload="cms",
                namespace=identity.namespace,
                service_account=identity.service_account_name,
                provider=secret_store_provider(self._region, identity.service_account_name),
                store_suffix="secrets-manager",
                operator=operator,  # type: ignore[arg-type]
            ),
            self._opts,
        )
        synced = SyncedSecret(
            f"{self._name}-synced",
            SyncedSecretArgs(
                entry=self._entry,
                namespace=store.namespace,
                store_name=store.store_name,
                remote_key=self._database.master_secret_arn,
                operator=operator,  # type: ignore[arg-type]
            ),
            self._opts,
        )
        self.credentials_secret = synced.secret_name


def foundation_args(stack: StackConfig) -> AwsFoundationArgs:
    """The foundation's arguments from a stack with `cloud: aws`."""
    cloud = stack.aws
    if cloud is None:  # config/references/ requires the block on such a stack
        raise ValueError("a stack with cloud: aws needs the secrets-platform:aws block")
    return AwsFoundationArgs(
        aws=cloud,
        cluster=stack.cluster,
        region=stack.region,
        operators_group=stack.operators.group,
        node_size=stack.node_size,
    )
