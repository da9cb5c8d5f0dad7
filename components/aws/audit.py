"""Who touched the secrets: a CloudTrail trail of the account's API calls, and alarms on it.

Secrets Manager's `GetSecretValue` and every KMS call are management events, so one trail of
management events (reads and writes, KMS not excluded) records every secret read and every denied
attempt, without data-event charges. The trail writes to a versioned, private S3 bucket (the record
of evidence, with log file validation) and to a CloudWatch log group (what the alarms watch). Both,
and the alarm topic, are encrypted with the store key, whose policy (`components.aws.foundation.key_policy`)
names the trail and the log group by their fixed names, so neither needs the other to exist first.

Two alarms e-mail the alerting address: accesses to secrets or keys that IAM denied, and secret
reads by any principal other than the expected readers (the External Secrets sync roles and the
rotation Lambda's role).
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints`, which cannot evaluate string annotations once the module has been dropped
# from `sys.modules` (as the offline runner does between stacks).
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.foundation import (
    AWS_ACCOUNT_PATTERN,
    AWS_REGION_PATTERN,
    audit_log_group_name,
    audit_trail_name,
    cluster_log_group_name,
    log_retention_problem,
    service_trust_policy,
)
from components.aws.foundation import audit_trail_arn as trail_arn
from components.aws.foundation import log_group_arn as _log_group_arn
from config.models import AlertingConfig

ALARM_PERIOD_SECONDS = 300
"""Alarms count matching events over 5 minutes (the window of `alerting.deniedAccessThreshold`)."""

ALARM_EVALUATION_PERIODS = 1
"""One period over the threshold raises the alarm: a denied or unexpected read is never noise to wait out."""

FILTER_PATTERN_MAX_LENGTH = 1024
"""Longest filter pattern CloudWatch Logs accepts (PutMetricFilter API reference, `filterPattern`)."""

CLOUDTRAIL = "cloudtrail.amazonaws.com"
SECRETS_MANAGER = "secretsmanager.amazonaws.com"

DENIED_ACCESS_PATTERN = (
    '{ ($.eventSource = "secretsmanager.amazonaws.com" || $.eventSource = "kms.amazonaws.com") '
    '&& ($.errorCode = "AccessDenied*" || $.errorCode = "*UnauthorizedOperation") }'
)
"""Calls to Secrets Manager or KMS that IAM refused. The error codes and their wildcards are those of
the CIS AWS Foundations Benchmark's "unauthorized API calls" filter (4.1): `AccessDenied`,
`AccessDeniedException`, `Client.UnauthorizedOperation`."""

KUBERNETES_SECRET_DENIED_PATTERN = (
    '{ $.objectRef.resource = "secrets" && ($.verb = "get" || $.verb = "list" || $.verb = "watch") '
    "&& $.responseStatus.code = 403 }"
)
"""Reads of Kubernetes Secrets the API server denied, from the EKS `audit` log (Kubernetes audit events,
`audit.k8s.io/v1`: `verb`, `objectRef.resource`, `responseStatus.code`)."""

SESSION_ISSUER_ARN = "$.userIdentity.sessionContext.sessionIssuer.arn"
"""The IAM role behind an assumed-role session, including web-identity sessions of pods (IRSA)."""

_ROLE_ARN = re.compile(r"^arn:aws:iam::\d{12}:role/[\w+=,.@/-]+$")
# CloudTrail trail names: 3 to 128 letters, digits, '.', '_', '-', starting and ending with a letter
# or digit (CreateTrail API reference).
_TRAIL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$")


@dataclass(frozen=True, kw_only=True)
class SecretAccessAuditArgs:
    cluster_name: str
    """The stack's cluster name (plain, not an output: the trail and log group are named from it, and
    the store key's policy names them before they exist)."""
    account_id: str
    """The 12-digit account the trail records and whose CloudWatch alarms may publish to the topic."""
    region: str
    """The trail's home region (the stack's `aws:region`)."""
    store_key_arn: pulumi.Input[str]
    """ARN of the foundation's store key, which encrypts the log files, the log group and the topic."""
    alerting: AlertingConfig
    """Where alarms go (`email`) and how many matching events in 5 minutes raise one."""
    expected_readers: Sequence[pulumi.Input[str]]
    """IAM role ARNs allowed to read secrets: the External Secrets sync roles and the rotation
    Lambda's role. A read by any other principal raises the unexpected-reader alarm."""
    log_retention_days: int
    """Days the log group keeps CloudTrail events (the S3 bucket keeps log files indefinitely)."""
    cluster_log_group_name: pulumi.Input[str] | None = None
    """The EKS control-plane log group (its `audit` log), whose denied reads of Kubernetes Secrets raise
    an alarm; pass an output of the cluster so the filter waits for the group. When not given, the
    group's fixed name (`/aws/eks/<cluster>/cluster`)."""


def log_group_arn(region: str, account_id: str, cluster_name: str) -> str:
    """The audit log group's ARN, as `kms:EncryptionContext:aws:logs:arn` spells it (no `:*`)."""
    return _log_group_arn(region, account_id, audit_log_group_name(cluster_name))


def alarm_name(cluster_name: str, what: str) -> str:
    """Alarm names start with `<cluster>-secrets-`, the prefix the topic policy admits."""
    return f"{cluster_name}-secrets-{what}"


def metric_namespace(cluster_name: str) -> str:
    """One CloudWatch namespace per cluster, so two stacks in one account never share a metric."""
    return f"SecretsPlatform/{cluster_name}"


# --- validation --------------------------------------------------------------------------------


def check_args(args: SecretAccessAuditArgs) -> None:
    """Refuse arguments the cloud would refuse, or that would make the alarms meaningless.

    A pure function, run before any resource exists. Expected readers that are outputs are checked
    when their values are known (`unexpected_reader_pattern`).
    """
    if not AWS_ACCOUNT_PATTERN.match(args.account_id):
        raise ValueError(f"account_id is {args.account_id!r}; give the 12-digit AWS account ID")
    if not AWS_REGION_PATTERN.match(args.region):
        raise ValueError(f"region is {args.region!r}; give an AWS region such as eu-west-1")
    if not _TRAIL_NAME.match(audit_trail_name(args.cluster_name)):
        raise ValueError(
            f"the trail name {audit_trail_name(args.cluster_name)!r} is not one CloudTrail accepts; "
            "use a cluster name of letters, digits and '-' of at most 114 characters"
        )
    retention = log_retention_problem("log_retention_days", args.log_retention_days)
    if retention:
        raise ValueError(retention)
    plain = [reader for reader in args.expected_readers if isinstance(reader, str)]
    if len(plain) == len(args.expected_readers):
        unexpected_reader_pattern(plain)  # refuses non-role ARNs and a pattern too long, now
    else:
        for reader in plain:
            _check_role_arn(reader)


def _check_role_arn(arn: str) -> None:
    if not _ROLE_ARN.match(arn):
        raise ValueError(
            f"expected reader {arn!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>); "
            "CloudTrail names the role of a session, so list roles, not users or sessions"
        )


# --- policy documents --------------------------------------------------------------------------


def bucket_policy(bucket_arn: str, account_id: str, trail: str) -> str:
    """The trail bucket's policy: CloudTrail, for this trail only, may check the ACL and write logs.

    The statements of the CloudTrail guide ("Amazon S3 bucket policy for CloudTrail") with the
    `aws:SourceArn` condition it recommends against the confused deputy, and a deny of plain HTTP
    (AWS Foundational Security Best Practices, S3.5). Objects go under `AWSLogs/<account>/`, which
    also holds the digest files of log file validation.
    """
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AllowCloudTrailAclCheck",
                    "Effect": "Allow",
                    "Principal": {"Service": CLOUDTRAIL},
                    "Action": ["s3:GetBucketAcl"],
                    "Resource": bucket_arn,
                    "Condition": {"StringEquals": {"aws:SourceArn": trail}},
                },
                {
                    "Sid": "AllowCloudTrailWrite",
                    "Effect": "Allow",
                    "Principal": {"Service": CLOUDTRAIL},
                    "Action": ["s3:PutObject"],
                    "Resource": f"{bucket_arn}/AWSLogs/{account_id}/*",
                    "Condition": {
                        "StringEquals": {
                            "aws:SourceArn": trail,
                            "s3:x-amz-acl": "bucket-owner-full-control",
                        }
                    },
                },
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": ["s3:*"],
                    "Resource": [bucket_arn, f"{bucket_arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ],
        }
    )


def cloudtrail_logs_policy(region: str, account_id: str, cluster_name: str) -> str:
    """The identity policy of CloudTrail's role: create and write its log streams, in one log group.

    The CloudTrail guide's policy ("Role policy document for CloudTrail to use CloudWatch Logs"),
    with the stream prefix widened from one region to all: a multi-region trail writes one stream
    per region, `<account>_CloudTrail_<region>`.
    """
    streams = f"{log_group_arn(region, account_id, cluster_name)}:log-stream:{account_id}_CloudTrail_*"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "CreateCloudTrailLogStreams",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream"],
                    "Resource": [streams],
                },
                {
                    "Sid": "PutCloudTrailLogEvents",
                    "Effect": "Allow",
                    "Action": ["logs:PutLogEvents"],
                    "Resource": [streams],
                },
            ],
        }
    )


def topic_policy(topic_arn: str, region: str, account_id: str, cluster_name: str) -> str:
    """The alarm topic's policy: only this account's CloudWatch alarms of this cluster may publish.

    `aws:SourceAccount` and `aws:SourceArn` against the confused deputy (CloudWatch user guide,
    "Confused deputy prevention"). Same-account administrators keep managing the topic through
    their IAM policies; no other principal is named.
    """
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AllowCloudWatchAlarmsToPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": ["sns:Publish"],
                    "Resource": topic_arn,
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": account_id},
                        "ArnLike": {
                            "aws:SourceArn": (
                                f"arn:aws:cloudwatch:{region}:{account_id}:alarm:{alarm_name(cluster_name, '*')}"
                            )
                        },
                    },
                }
            ],
        }
    )


# --- filter patterns ---------------------------------------------------------------------------


def unexpected_reader_pattern(expected_readers: Sequence[str]) -> str:
    """Successful secret reads by a principal that is none of `expected_readers` (any, when empty).

    Each exclusion is written so that it holds whether or not CloudWatch Logs counts a comparison on
    an absent field as a match: an absent field is tested with `NOT EXISTS` first.
    """
    readers = sorted(set(expected_readers))
    for reader in readers:
        _check_role_arn(reader)
    expected = " && ".join(f'{SESSION_ISSUER_ARN} != "{reader}"' for reader in readers)
    pattern = (
        " && ".join(
            [
                f'{{ $.eventSource = "{SECRETS_MANAGER}"',
                # BatchGetSecretValue is also a read; Secrets Manager logs a GetSecretValue per secret
                # besides it, so matching the batch call itself keeps the caller even if those per-secret
                # entries carry the service as `invokedBy`.
                '($.eventName = "GetSecretValue" || $.eventName = "BatchGetSecretValue")',
                # A denied read is the denied-access alarm's; this one is for reads that succeeded.
                "$.errorCode NOT EXISTS",
                # AWS services acting as themselves (`AWSService` identities, such as replication to other
                # regions) read secrets as part of the service, never for a person.
                '$.userIdentity.type != "AWSService"',
                # Calls Secrets Manager makes on a caller's behalf (its own work, such as the per-secret
                # entries of a batch read whose caller is matched above) are not a new reader.
                f'($.userIdentity.invokedBy NOT EXISTS || $.userIdentity.invokedBy != "{SECRETS_MANAGER}")',
                # The expected readers are roles: External Secrets pods (web-identity sessions) and the
                # rotation Lambda; a user, the root user or any other role is unexpected.
                # With no expected reader (a stack that keeps no secret in the store), every read is one.
                *([f"({SESSION_ISSUER_ARN} NOT EXISTS || ({expected}))"] if readers else []),
            ]
        )
        + " }"
    )
    if len(pattern) > FILTER_PATTERN_MAX_LENGTH:
        raise ValueError(
            f"the unexpected-reader filter for {len(readers)} expected readers is {len(pattern)} "
            f"characters, and CloudWatch Logs accepts at most {FILTER_PATTERN_MAX_LENGTH}; let fewer "
            "roles read secrets (one External Secrets sync role per cluster rather than per namespace)"
        )
    return pattern


# --- the component -------------------------------------------------------------------------------


def _bucket(parent: pulumi.Resource, name: str, args: SecretAccessAuditArgs) -> aws.s3.BucketPolicy:
    # Retained and protected: the evidence outlives the stack. Its children inherit `protect`, so
    # versioning, encryption and the public access block cannot be dropped by accident either.
    bucket = aws.s3.Bucket(
        f"{name}-trail-bucket",
        force_destroy=False,
        opts=pulumi.ResourceOptions(parent=parent, protect=True, retain_on_delete=True),
    )
    child = pulumi.ResourceOptions(parent=bucket)
    aws.s3.BucketVersioning(
        f"{name}-trail-bucket-versioning",
        bucket=bucket.id,
        versioning_configuration={"status": "Enabled"},
        opts=child,
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-trail-bucket-encryption",
        bucket=bucket.id,
        rules=[
            {
                "apply_server_side_encryption_by_default": {
                    "sse_algorithm": "aws:kms",
                    "kms_master_key_id": args.store_key_arn,
                },
                # Off: with an S3 Bucket Key CloudTrail would also need kms:Decrypt on the store key
                # (CloudTrail guide, "Configure AWS KMS key policies for CloudTrail").
                "bucket_key_enabled": False,
            }
        ],
        opts=child,
    )
    public_access = aws.s3.BucketPublicAccessBlock(
        f"{name}-trail-bucket-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=child,
    )
    trail = trail_arn(args.region, args.account_id, args.cluster_name)
    return aws.s3.BucketPolicy(
        f"{name}-trail-bucket-policy",
        bucket=bucket.id,
        policy=bucket.arn.apply(lambda arn: bucket_policy(arn, args.account_id, trail)),
        # S3 refuses concurrent changes to a bucket's policy and its public access block.
        opts=pulumi.ResourceOptions(parent=bucket, depends_on=[public_access]),
    )


def _log_delivery(
    parent: pulumi.Resource, name: str, args: SecretAccessAuditArgs
) -> tuple[aws.cloudwatch.LogGroup, aws.iam.Role, aws.iam.RolePolicy]:
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-trail-logs",
        name=audit_log_group_name(args.cluster_name),
        kms_key_id=args.store_key_arn,
        retention_in_days=args.log_retention_days,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    role = aws.iam.Role(
        f"{name}-trail-logs-role",
        assume_role_policy=service_trust_policy(CLOUDTRAIL, ["sts:AssumeRole"]),
        opts=pulumi.ResourceOptions(parent=log_group),
    )
    role_policy = aws.iam.RolePolicy(
        f"{name}-trail-logs-role-policy",
        role=role.id,
        policy=cloudtrail_logs_policy(args.region, args.account_id, args.cluster_name),
        opts=pulumi.ResourceOptions(parent=role),
    )
    return log_group, role, role_policy


def _alarm(
    name: str,
    role: str,
    args: SecretAccessAuditArgs,
    log_group: aws.cloudwatch.LogGroup,
    topic: aws.sns.Topic,
    pattern: pulumi.Input[str],
    metric: str,
    description: str,
) -> aws.cloudwatch.MetricAlarm:
    namespace = metric_namespace(args.cluster_name)
    metric_filter = aws.cloudwatch.LogMetricFilter(
        f"{name}-{role}-filter",
        name=alarm_name(args.cluster_name, role),
        log_group_name=log_group.name,
        pattern=pattern,
        metric_transformation={"name": metric, "namespace": namespace, "value": "1", "unit": "Count"},
        opts=pulumi.ResourceOptions(parent=log_group),
    )
    return aws.cloudwatch.MetricAlarm(
        f"{name}-{role}-alarm",
        name=alarm_name(args.cluster_name, role),
        alarm_description=description,
        namespace=namespace,
        metric_name=metric,
        statistic="Sum",
        period=ALARM_PERIOD_SECONDS,
        evaluation_periods=ALARM_EVALUATION_PERIODS,
        threshold=args.alerting.denied_access_threshold,
        comparison_operator="GreaterThanOrEqualToThreshold",
        # No matching event publishes no data point: that is the quiet, healthy state.
        treat_missing_data="notBreaching",
        alarm_actions=[topic.arn],
        opts=pulumi.ResourceOptions(parent=metric_filter),
    )


def _kubernetes_secret_denied_alarm(
    parent: pulumi.Resource, name: str, args: SecretAccessAuditArgs, topic: aws.sns.Topic
) -> aws.cloudwatch.MetricAlarm:
    """An alarm on denied reads of Kubernetes Secrets in the cluster's own audit log (the same on Azure)."""
    role = "kubernetes-secret-denied"
    namespace = metric_namespace(args.cluster_name)
    metric = "DeniedKubernetesSecretRead"
    log_group = (
        args.cluster_log_group_name
        if args.cluster_log_group_name is not None
        else cluster_log_group_name(args.cluster_name)
    )
    metric_filter = aws.cloudwatch.LogMetricFilter(
        f"{name}-{role}-filter",
        name=alarm_name(args.cluster_name, role),
        log_group_name=log_group,
        pattern=KUBERNETES_SECRET_DENIED_PATTERN,
        metric_transformation={"name": metric, "namespace": namespace, "value": "1", "unit": "Count"},
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return aws.cloudwatch.MetricAlarm(
        f"{name}-{role}-alarm",
        name=alarm_name(args.cluster_name, role),
        alarm_description=f"Reads of Kubernetes Secrets denied by the API server of cluster {args.cluster_name}.",
        namespace=namespace,
        metric_name=metric,
        statistic="Sum",
        period=ALARM_PERIOD_SECONDS,
        evaluation_periods=ALARM_EVALUATION_PERIODS,
        threshold=args.alerting.denied_access_threshold,
        comparison_operator="GreaterThanOrEqualToThreshold",
        treat_missing_data="notBreaching",
        alarm_actions=[topic.arn],
        opts=pulumi.ResourceOptions(parent=metric_filter),
    )


class SecretAccessAudit(pulumi.ComponentResource):
    """A CloudTrail trail of secret and key use, and alarms on denied access and unexpected readers."""

    trail_arn: pulumi.Output[str]
    """ARN of the trail (multi-region, management events, log file validation on)."""
    trail_bucket_name: pulumi.Output[str]
    """S3 bucket of the log files and their digests, for `aws cloudtrail validate-logs`."""
    log_group_name: pulumi.Output[str]
    """CloudWatch log group the alarms read, for CloudWatch Logs Insights queries."""
    alarm_topic_arn: pulumi.Output[str]
    """SNS topic the alarms publish to (encrypted with the store key)."""
    alarm_topic: pulumi.Output[str]
    """The same topic, as the cloud interface names where alerts go."""
    alarm_arns: pulumi.Output[list[str]]
    """ARNs of the denied-access and unexpected-reader alarms."""

    def __init__(
        self, name: str, args: SecretAccessAuditArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        check_args(args)
        super().__init__("secrets-platform:aws_audit:SecretAccessAudit", name, None, opts)
        bucket_policy_resource = _bucket(self, name, args)
        log_group, role, role_policy = _log_delivery(self, name, args)

        # Multi-region: a secret read with stolen credentials, or a key used, in any other region is
        # recorded too, and IAM/STS (global) events come with it; the first copy of management
        # events is free in each region. KMS events are deliberately not excluded: they are the key
        # accesses this audit is for.
        trail = aws.cloudtrail.Trail(
            f"{name}-trail",
            name=audit_trail_name(args.cluster_name),
            s3_bucket_name=bucket_policy_resource.bucket,
            kms_key_id=args.store_key_arn,
            enable_logging=True,
            enable_log_file_validation=True,
            is_multi_region_trail=True,
            include_global_service_events=True,
            event_selectors=[
                {
                    "read_write_type": "All",
                    "include_management_events": True,
                    "exclude_management_event_sources": [],
                }
            ],
            # CloudTrail wants the log group's ARN with the log-stream wildcard.
            cloud_watch_logs_group_arn=log_group.arn.apply(lambda arn: f"{arn}:*"),
            cloud_watch_logs_role_arn=role.arn,
            # CloudTrail checks the bucket policy and the role's permissions when the trail is created.
            opts=pulumi.ResourceOptions(
                parent=self, protect=True, depends_on=[bucket_policy_resource, role_policy]
            ),
        )

        topic = aws.sns.Topic(
            f"{name}-alerts",
            name=f"{args.cluster_name}-secrets-audit-alerts",
            kms_master_key_id=args.store_key_arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.sns.TopicPolicy(
            f"{name}-alerts-policy",
            arn=topic.arn,
            policy=topic.arn.apply(
                lambda arn: topic_policy(arn, args.region, args.account_id, args.cluster_name)
            ),
            opts=pulumi.ResourceOptions(parent=topic),
        )
        aws.sns.TopicSubscription(
            f"{name}-alerts-email",
            topic=topic.arn,
            protocol="email",
            endpoint=args.alerting.email,
            opts=pulumi.ResourceOptions(parent=topic),
        )

        denied = _alarm(
            name,
            "denied-access",
            args,
            log_group,
            topic,
            DENIED_ACCESS_PATTERN,
            "DeniedSecretOrKeyAccess",
            f"Calls to Secrets Manager or KMS denied by IAM in the account of cluster {args.cluster_name}.",
        )
        unexpected = _alarm(
            name,
            "unexpected-reader",
            args,
            log_group,
            topic,
            pulumi.Output.all(*args.expected_readers).apply(unexpected_reader_pattern),
            "UnexpectedSecretRead",
            f"Secrets read by a principal other than the expected readers of cluster {args.cluster_name}.",
        )

        kubernetes_denied = _kubernetes_secret_denied_alarm(self, name, args, topic)

        self.trail_arn = trail.arn
        self.trail_bucket_name = bucket_policy_resource.bucket
        self.log_group_name = log_group.name
        self.alarm_topic_arn = topic.arn
        self.alarm_topic = topic.arn
        self.alarm_arns = pulumi.Output.all(denied.arn, unexpected.arn, kubernetes_denied.arn)
        self.register_outputs(
            {
                "trail_arn": self.trail_arn,
                "trail_bucket_name": self.trail_bucket_name,
                "log_group_name": self.log_group_name,
                "alarm_topic_arn": self.alarm_topic_arn,
                "alarm_arns": self.alarm_arns,
            }
        )
