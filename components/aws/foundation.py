"""The AWS foundation: an EKS cluster whose Secrets are envelope-encrypted with a customer-managed key.

Two KMS keys keep the blast radius of each small: the secrets key only wraps the cluster's etcd data
encryption keys, the store key protects Secrets Manager and the control-plane audit logs. The
cluster authenticates with EKS access entries only (`authentication_mode="API"`), so nobody is an
administrator by accident of having created it; the operator role is granted admin explicitly.
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints`, which cannot evaluate string annotations once the module has been dropped
# from `sys.modules` (as the offline runner does between stacks).
import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from config.aws_names import cms_database_identifier, rotation_function_name
from config.models import AwsConfig, ClusterConfig
from config.patterns import AWS_ACCOUNT, AWS_REGION

KMS_ROTATION_PERIOD_DAYS = 90
"""Days between automatic rotations of both keys (KMS allows 90 to 2560; the AWS default is 365)."""

CLUSTER_LOG_TYPES = ["api", "audit", "authenticator"]
"""Control-plane logs kept: API calls, the audit trail of Secret reads, and who authenticated."""

LOG_RETENTION_DAYS_ALLOWED = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)
"""Values CloudWatch Logs accepts for `retentionInDays` (PutRetentionPolicy API reference)."""

EKS_CLUSTER_POLICY = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
NODE_POLICIES = {
    "worker": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "ecr-read": "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    "cni": "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
}
"""Managed policies a managed node group's role needs (EKS user guide, "Amazon EKS node IAM role")."""

CLUSTER_ADMIN_ACCESS_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

KEY_ADMIN_ACTIONS = [
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:PutKeyPolicy",
    "kms:ListKeyPolicies",
    "kms:GetKeyRotationStatus",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:ListKeyRotations",
    "kms:RotateKeyOnDemand",
    "kms:EnableKey",
    "kms:DisableKey",
    "kms:UpdateKeyDescription",
    "kms:CreateAlias",
    "kms:UpdateAlias",
    "kms:DeleteAlias",
    "kms:ListResourceTags",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ListGrants",
    "kms:RevokeGrant",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
]
"""Key administration without any cryptographic use: the "key administrators" statement of the KMS
default key policy, spelled out without wildcards and without `kms:CreateGrant` (a grant could hand
the administrator `Decrypt`)."""

LOGS_KEY_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:DescribeKey",
]
"""What CloudWatch Logs needs on a log group's key ("Encrypt log data in CloudWatch Logs using AWS
KMS"; the guide's `kms:Encrypt*`-style wildcards expanded)."""

GENERATE_DATA_KEY_ACTIONS = ["kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"]
"""`kms:GenerateDataKey*` of the CloudTrail and SNS guides, expanded: the key-pair variants are never
used by these services' envelope encryption."""

AWS_REGION_PATTERN = AWS_REGION
"""An AWS region name such as eu-west-1 (the components' shared check of a plain region argument)."""
AWS_ACCOUNT_PATTERN = AWS_ACCOUNT
"""A 12-digit AWS account ID."""

ALARM_TOPIC_SERVICES = ["cloudwatch.amazonaws.com", "sns.amazonaws.com"]
"""Service principals that use the store key for the encrypted alarm topic of the secrets audit
(SNS guide, "Enable compatibility between event sources from AWS services and encrypted topics")."""


@dataclass(frozen=True, kw_only=True)
class AwsFoundationArgs:
    aws: AwsConfig
    """The stack's `aws:` block: account, operator role, subnets, deletion windows."""
    cluster: ClusterConfig
    """The cluster's name, version, size, endpoint access and log retention."""
    region: str
    """The stack's `aws:region`."""
    operators_group: str
    """Kubernetes group of the operations team, mapped to the operator role's access entry."""
    node_size: str
    """Instance type of the node group."""


def check_foundation_args(args: AwsFoundationArgs) -> list[str]:
    """Why these arguments cannot make the foundation (empty when they can).

    A pure function: everything it checks is known before any resource is declared.
    """
    problems = []
    if not AWS_REGION.match(args.region):
        problems.append(f"region {args.region!r} is not an AWS region such as eu-west-1 (aws:region)")
    retention = log_retention_problem("cluster.logRetentionDays", args.cluster.log_retention_days)
    if retention:
        problems.append(retention)
    if args.operators_group.startswith("system:"):
        problems.append(
            f"operators.group is {args.operators_group!r}; EKS access entries refuse Kubernetes "
            "groups that start with 'system:', choose another group name"
        )
    return problems


def log_retention_problem(field: str, days: int) -> str | None:
    """Why `days` cannot be a log group's retention (None when CloudWatch Logs accepts it)."""
    if days in LOG_RETENTION_DAYS_ALLOWED:
        return None
    allowed = ", ".join(str(allowed_days) for allowed_days in sorted(LOG_RETENTION_DAYS_ALLOWED))
    return f"{field} is {days}, which CloudWatch Logs does not accept; use one of {allowed}"


def rotation_log_group_name(cluster_name: str) -> str:
    """Log group of the Secrets Manager rotation Lambda (named here so the key policy can name it)."""
    return f"/aws/lambda/{rotation_function_name(cluster_name)}"


def cluster_log_group_name(cluster_name: str) -> str:
    """EKS writes control-plane logs to this exact name; declaring it first lets us encrypt it."""
    return f"/aws/eks/{cluster_name}/cluster"


def cms_database_log_group_name(cluster_name: str) -> str:
    """RDS exports the CMS database's PostgreSQL log to this exact name (RDS user guide, "Publishing
    PostgreSQL logs to Amazon CloudWatch Logs"); declaring it first lets us encrypt it."""
    return f"/aws/rds/instance/{cms_database_identifier(cluster_name)}/postgresql"


def application_log_group_name(cluster_name: str) -> str:
    """Container logs shipped by the Amazon CloudWatch Observability add-on (Container Insights,
    "Send logs to CloudWatch Logs": `/aws/containerinsights/<cluster>/application`)."""
    return f"/aws/containerinsights/{cluster_name}/application"


def audit_log_group_name(cluster_name: str) -> str:
    """CloudTrail's log group of the secrets audit (`SecretAccessAudit`).

    Fixed, like the trail's name, so the store key's policy can name both before they exist: the
    trail and its log group need the key, so the key cannot wait for them.
    """
    return f"/aws/cloudtrail/{cluster_name}"


def audit_trail_name(cluster_name: str) -> str:
    """Name of the secrets audit trail (see `audit_log_group_name` for why it is fixed)."""
    return f"{cluster_name}-secrets-audit"


def audit_trail_arn(region: str, account_id: str, cluster_name: str) -> str:
    """The audit trail's ARN, known before the trail exists (its home region, even for other regions' events)."""
    return f"arn:aws:cloudtrail:{region}:{account_id}:trail/{audit_trail_name(cluster_name)}"


def log_group_arn(region: str, account_id: str, log_group_name: str) -> str:
    """A log group's ARN, as `kms:EncryptionContext:aws:logs:arn` spells it (no `:*`)."""
    return f"arn:aws:logs:{region}:{account_id}:log-group:{log_group_name}"


def key_policy(
    account_id: str,
    operator_role_arn: str,
    *,
    logs_region: str | None = None,
    log_group_arns: list[str] | None = None,
    cloudtrail_trail_arns: list[str] | None = None,
    alarm_topic_services: list[str] | None = None,
) -> str:
    """The key policy of a customer-managed key, as JSON.

    In a key policy `Resource: "*"` means "this key" (the KMS developer guide's form, since the
    key's ARN does not exist yet); it grants nothing on other keys. The account root keeps `kms:*`
    so the key can never become unmanageable, and IAM policies in the account can delegate use of it.

    `log_group_arns` are the log groups CloudWatch Logs (of `logs_region`) may encrypt with the key;
    `cloudtrail_trail_arns` the trails that may encrypt their log files with it; `alarm_topic_services`
    the service principals that publish to a topic encrypted with it, from this account only.
    """
    statements: list[dict[str, Any]] = [
        {
            "Sid": "EnableRootAccountAdministration",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "AllowOperatorKeyAdministration",
            "Effect": "Allow",
            "Principal": {"AWS": operator_role_arn},
            "Action": KEY_ADMIN_ACTIONS,
            "Resource": "*",
        },
    ]
    if logs_region is not None:
        statements.append(
            {
                "Sid": "AllowCloudWatchLogsOfThisPlatform",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{logs_region}.amazonaws.com"},
                "Action": LOGS_KEY_ACTIONS,
                "Resource": "*",
                "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": log_group_arns or []}},
            }
        )
    if cloudtrail_trail_arns:
        # CloudTrail guide, "Configure AWS KMS key policies for CloudTrail": encrypt with aws:SourceArn
        # and the trail in the encryption context; DescribeKey carries no encryption context, so its
        # statement can only name the trail.
        statements += [
            {
                "Sid": "AllowCloudTrailToEncryptTheAuditTrail",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": GENERATE_DATA_KEY_ACTIONS,
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "aws:SourceArn": cloudtrail_trail_arns,
                        "kms:EncryptionContext:aws:cloudtrail:arn": cloudtrail_trail_arns,
                    }
                },
            },
            {
                "Sid": "AllowCloudTrailToDescribeTheKey",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": ["kms:DescribeKey"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceArn": cloudtrail_trail_arns}},
            },
        ]
    if alarm_topic_services:
        statements.append(
            {
                "Sid": "AllowAlarmsToUseTheEncryptedTopic",
                "Effect": "Allow",
                "Principal": {"Service": alarm_topic_services},
                "Action": ["kms:Decrypt", *GENERATE_DATA_KEY_ACTIONS],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def service_trust_policy(service: str, actions: list[str]) -> str:
    """A role trust policy letting one AWS service principal assume the role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": actions}],
        }
    )


def kubeconfig(cluster_name: str, endpoint: str, certificate_authority: str, region: str) -> str:
    """A kubeconfig that fetches a short-lived token with `aws eks get-token` (no stored credential)."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": cluster_name,
                    "cluster": {"server": endpoint, "certificate-authority-data": certificate_authority},
                }
            ],
            "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
            "current-context": cluster_name,
            "users": [
                {
                    "name": cluster_name,
                    "user": {
                        "exec": {
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                            "command": "aws",
                            "args": [
                                "eks",
                                "get-token",
                                "--cluster-name",
                                cluster_name,
                                "--region",
                                region,
                                "--output",
                                "json",
                            ],
                        }
                    },
                }
            ],
        }
    )


def _kms_key(
    parent: pulumi.Resource,
    name: str,
    role: str,
    alias: str,
    description: str,
    policy: str,
    aws_cfg: AwsConfig,
) -> aws.kms.Key:
    key = aws.kms.Key(
        f"{name}-{role}-key",
        description=description,
        enable_key_rotation=True,
        rotation_period_in_days=KMS_ROTATION_PERIOD_DAYS,
        deletion_window_in_days=aws_cfg.kms_deletion_window_days,
        policy=policy,
        opts=pulumi.ResourceOptions(parent=parent, protect=True),
    )
    aws.kms.Alias(
        f"{name}-{role}-alias",
        name=alias,
        target_key_id=key.key_id,
        opts=pulumi.ResourceOptions(parent=key),
    )
    return key


def _keys(parent: pulumi.Resource, name: str, args: AwsFoundationArgs) -> tuple[aws.kms.Key, aws.kms.Key]:
    aws_cfg = args.aws
    cluster = args.cluster.name
    log_group_arns = [
        log_group_arn(args.region, aws_cfg.account_id, log_group)
        for log_group in (
            cluster_log_group_name(cluster),
            audit_log_group_name(cluster),
            rotation_log_group_name(cluster),
            cms_database_log_group_name(cluster),
            application_log_group_name(cluster),
        )
    ]
    secrets_key = _kms_key(
        parent,
        name,
        "secrets",
        f"alias/{cluster}-secrets",
        f"Envelope encryption of the Kubernetes Secrets of EKS cluster {cluster}",
        key_policy(aws_cfg.account_id, aws_cfg.operator_role_arn),
        aws_cfg,
    )
    store_key = _kms_key(
        parent,
        name,
        "store",
        f"alias/{cluster}-store",
        f"Secrets Manager secrets and control-plane logs of EKS cluster {cluster}",
        key_policy(
            aws_cfg.account_id,
            aws_cfg.operator_role_arn,
            logs_region=args.region,
            log_group_arns=log_group_arns,
            cloudtrail_trail_arns=[audit_trail_arn(args.region, aws_cfg.account_id, cluster)],
            alarm_topic_services=ALARM_TOPIC_SERVICES,
        ),
        aws_cfg,
    )
    return secrets_key, store_key


def _role(
    parent: pulumi.Resource, name: str, role: str, trust: str, policies: dict[str, str]
) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
    iam_role = aws.iam.Role(
        f"{name}-{role}-role", assume_role_policy=trust, opts=pulumi.ResourceOptions(parent=parent)
    )
    attachments = [
        aws.iam.RolePolicyAttachment(
            f"{name}-{role}-role-{suffix}",
            role=iam_role.name,
            policy_arn=policy_arn,
            opts=pulumi.ResourceOptions(parent=iam_role),
        )
        for suffix, policy_arn in policies.items()
    ]
    return iam_role, attachments


def _cluster(
    parent: pulumi.Resource,
    name: str,
    args: AwsFoundationArgs,
    secrets_key: aws.kms.Key,
    store_key: aws.kms.Key,
) -> aws.eks.Cluster:
    aws_cfg, cfg = args.aws, args.cluster
    role, attachments = _role(
        parent,
        name,
        "cluster",
        service_trust_policy("eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"]),
        {"eks-policy": EKS_CLUSTER_POLICY},
    )
    # Declared before the cluster so EKS finds it instead of creating an unencrypted, never-expiring one.
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-cluster-logs",
        name=cluster_log_group_name(cfg.name),
        kms_key_id=store_key.arn,
        retention_in_days=cfg.log_retention_days,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    vpc_config: aws.eks.ClusterVpcConfigArgsDict = {
        "subnet_ids": aws_cfg.subnet_ids,
        "endpoint_private_access": True,
        "endpoint_public_access": bool(cfg.public_access_cidrs),
    }
    if cfg.public_access_cidrs:
        vpc_config["public_access_cidrs"] = cfg.public_access_cidrs
    return aws.eks.Cluster(
        f"{name}-cluster",
        name=cfg.name,
        version=cfg.kubernetes_version,
        role_arn=role.arn,
        vpc_config=vpc_config,
        encryption_config={"provider": {"key_arn": secrets_key.arn}, "resources": ["secrets"]},
        enabled_cluster_log_types=CLUSTER_LOG_TYPES,
        access_config={"authentication_mode": "API", "bootstrap_cluster_creator_admin_permissions": False},
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[log_group, *attachments]),
    )


def _operator_access(
    name: str, args: AwsFoundationArgs, cluster: aws.eks.Cluster
) -> aws.eks.AccessPolicyAssociation:
    entry = aws.eks.AccessEntry(
        f"{name}-operator-access",
        cluster_name=cluster.name,
        principal_arn=args.aws.operator_role_arn,
        kubernetes_groups=[args.operators_group],
        type="STANDARD",
        opts=pulumi.ResourceOptions(parent=cluster),
    )
    return aws.eks.AccessPolicyAssociation(
        f"{name}-operator-admin",
        cluster_name=cluster.name,
        principal_arn=entry.principal_arn,
        policy_arn=CLUSTER_ADMIN_ACCESS_POLICY,
        access_scope={"type": "cluster"},
        opts=pulumi.ResourceOptions(parent=entry),
    )


def _oidc_provider(
    name: str, cluster: aws.eks.Cluster
) -> tuple[aws.iam.OpenIdConnectProvider, pulumi.Output[str]]:
    issuer_url = cluster.identities.apply(lambda identities: identities[0].oidcs[0].issuer)
    provider = aws.iam.OpenIdConnectProvider(
        f"{name}-oidc",
        url=issuer_url,
        client_id_lists=["sts.amazonaws.com"],
        opts=pulumi.ResourceOptions(parent=cluster),
    )
    return provider, issuer_url.apply(lambda url: url.removeprefix("https://"))


def _node_group(name: str, args: AwsFoundationArgs, cluster: aws.eks.Cluster) -> aws.eks.NodeGroup:
    role, attachments = _role(
        cluster,
        name,
        "node",
        service_trust_policy("ec2.amazonaws.com", ["sts:AssumeRole"]),
        NODE_POLICIES,
    )
    count = args.cluster.node_count
    # A fixed size: no cluster autoscaler is declared, so min = desired = max.
    return aws.eks.NodeGroup(
        f"{name}-nodes",
        cluster_name=cluster.name,
        node_role_arn=role.arn,
        subnet_ids=args.aws.subnet_ids,
        instance_types=[args.node_size],
        scaling_config={"desired_size": count, "min_size": count, "max_size": count},
        opts=pulumi.ResourceOptions(parent=cluster, depends_on=attachments),
    )


def _kubernetes_provider(
    name: str, region: str, cluster: aws.eks.Cluster, access: aws.eks.AccessPolicyAssociation
) -> k8s.Provider:
    config = pulumi.Output.all(
        cluster.name, cluster.endpoint, cluster.certificate_authority.apply(lambda ca: ca.data)
    ).apply(lambda values: kubeconfig(values[0], values[1], values[2], region))
    # Bootstrap admin is off: objects may only be applied once the operator role is cluster admin.
    return k8s.Provider(
        f"{name}-k8s",
        kubeconfig=pulumi.Output.secret(config),
        enable_server_side_apply=True,
        opts=pulumi.ResourceOptions(parent=cluster, depends_on=[access]),
    )


class AwsFoundation(pulumi.ComponentResource):
    """An EKS cluster with KMS envelope encryption of Secrets, audit logs and IAM roles for pods."""

    kubernetes_provider: k8s.Provider
    """Provider for the cluster; its kubeconfig is a secret and holds no credential (`aws eks get-token`)."""
    cluster_name: pulumi.Output[str]
    """Name of the EKS cluster."""
    secrets_key_id: pulumi.Output[str]
    """ARN of the KMS key that envelope-encrypts the cluster's Secrets."""
    store_key_id: pulumi.Output[str]
    """ARN of the KMS key of Secrets Manager and the control-plane logs."""
    oidc_provider_arn: pulumi.Output[str]
    """ARN of the IAM OIDC provider, for IAM roles for service accounts."""
    oidc_issuer: pulumi.Output[str]
    """The cluster's OIDC issuer without `https://`, as IAM trust policy condition keys spell it."""
    cluster: aws.eks.Cluster
    """The EKS cluster itself, for components that need more of its outputs."""
    node_group: aws.eks.NodeGroup
    """The managed node group, for resources that need schedulable nodes before they are created."""

    def __init__(
        self, name: str, args: AwsFoundationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_foundation_args(args)
        if problems:
            raise ValueError("; ".join(problems))
        super().__init__("secrets-platform:aws_foundation:AwsFoundation", name, None, opts)
        secrets_key, store_key = _keys(self, name, args)
        cluster = _cluster(self, name, args, secrets_key, store_key)
        access = _operator_access(name, args, cluster)
        oidc, issuer = _oidc_provider(name, cluster)
        node_group = _node_group(name, args, cluster)

        self.kubernetes_provider = _kubernetes_provider(name, args.region, cluster, access)
        self.cluster_name = cluster.name
        self.secrets_key_id = secrets_key.arn
        self.store_key_id = store_key.arn
        self.oidc_provider_arn = oidc.arn
        self.oidc_issuer = issuer
        self.cluster = cluster
        self.node_group = node_group
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "secrets_key_id": self.secrets_key_id,
                "store_key_id": self.store_key_id,
                "oidc_provider_arn": self.oidc_provider_arn,
                "oidc_issuer": self.oidc_issuer,
            }
        )
