"""CloudWatch alarms on the mobile path: repeated 401/403 at the BFF, 429 surges, failed CMS logins.

What an AWS user expects: container logs in CloudWatch Logs through the Amazon CloudWatch Observability
EKS add-on (Container Insights), metric filters on them, and alarms to the same encrypted SNS topic as
the secrets audit. The add-on's Fluent Bit parses a JSON log line into `log_processed` (its
`kubernetes` filter runs with `Merge_Log On`, `Merge_Log_Key log_processed`), so the filters read
fields of the BFF's audit lines (`type: audit`, `status`) and of the CMS proxy's access lines
(`type: access`, `uri`, `status`), never a value: neither line holds one.
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints` (see components/aws/foundation.py).
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.audit import ALARM_EVALUATION_PERIODS, ALARM_PERIOD_SECONDS, alarm_name, metric_namespace
from components.aws.foundation import application_log_group_name
from components.aws.workload_identity import trust_policy

ADDON = "amazon-cloudwatch-observability"
AGENT_NAMESPACE = "amazon-cloudwatch"
AGENT_SERVICE_ACCOUNT = "cloudwatch-agent"
"""The add-on's agent and Fluent Bit run as this ServiceAccount (Container Insights setup guide)."""
AGENT_POLICY = "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"


def bff_status_pattern(namespace: str, statuses: tuple[int, ...]) -> str:
    """BFF audit lines of `namespace` answered with one of `statuses`."""
    status = " || ".join(f"$.log_processed.status = {s}" for s in statuses)
    return (
        f'{{ $.kubernetes.namespace_name = "{namespace}" && $.log_processed.type = "audit" && ({status}) }}'
    )


def cms_failed_login_pattern(namespace: str) -> str:
    """CMS proxy access lines of a refused login (`POST /auth/login` answered 401)."""
    return (
        f'{{ $.kubernetes.namespace_name = "{namespace}" && $.log_processed.type = "access" && '
        '$.log_processed.method = "POST" && $.log_processed.uri = "/auth/login" && '
        "$.log_processed.status = 401 }"
    )


@dataclass(frozen=True, kw_only=True)
class MobileAlarmsArgs:
    cluster_name: str
    """EKS cluster (plain: names the add-on's log group, which the store key's policy names)."""
    cluster: pulumi.Input[str]
    """The cluster's name output, so the add-on waits for the cluster."""
    oidc_provider_arn: pulumi.Input[str]
    """The cluster's IAM OIDC provider, for the agent's role."""
    oidc_issuer: pulumi.Input[str]
    """The issuer without `https://`."""
    store_key_arn: pulumi.Input[str]
    """Key of the log group."""
    log_retention_days: int
    """Days container logs are kept."""
    alarm_topic_arn: pulumi.Input[str]
    """The secrets audit's SNS topic."""
    bff_namespace: str
    cms_namespace: str
    auth_failure_threshold: int
    rate_limited_threshold: int
    cms_login_failure_threshold: int


class MobileAlarms(pulumi.ComponentResource):
    """Container logs to CloudWatch, and three alarms on the BFF's and the CMS's lines."""

    alarm_arns: pulumi.Output[list[str]]
    """ARNs of the alarms."""

    def __init__(self, name: str, args: MobileAlarmsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("secrets-platform:aws_mobile_alarms:MobileAlarms", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-application-logs",
            name=application_log_group_name(args.cluster_name),
            kms_key_id=args.store_key_arn,
            retention_in_days=args.log_retention_days,
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-agent-role",
            assume_role_policy=pulumi.Output.all(args.oidc_provider_arn, args.oidc_issuer).apply(
                lambda v: trust_policy(v[0], v[1], AGENT_NAMESPACE, AGENT_SERVICE_ACCOUNT)
            ),
            opts=child,
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-agent-policy",
            role=role.name,
            policy_arn=AGENT_POLICY,
            opts=pulumi.ResourceOptions(parent=role),
        )
        aws.eks.Addon(
            f"{name}-addon",
            cluster_name=args.cluster,
            addon_name=ADDON,
            service_account_role_arn=role.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group, attachment]),
        )
        alarms = [
            self._alarm(
                name,
                "bff-auth-failures",
                args,
                log_group,
                bff_status_pattern(args.bff_namespace, (401, 403)),
                args.auth_failure_threshold,
                "Repeated 401/403 answers of the BFF: guessed tokens, a revoked app, or a scan.",
            ),
            self._alarm(
                name,
                "bff-rate-limited",
                args,
                log_group,
                bff_status_pattern(args.bff_namespace, (429,)),
                args.rate_limited_threshold,
                "A surge of 429 answers of the BFF: a client over its limit, or a scraper.",
            ),
            self._alarm(
                name,
                "cms-login-failures",
                args,
                log_group,
                cms_failed_login_pattern(args.cms_namespace),
                args.cms_login_failure_threshold,
                "Failed logins to the CMS: someone guessing an operator's password.",
            ),
        ]
        self.alarm_arns = pulumi.Output.all(*[a.arn for a in alarms])
        self.register_outputs({"alarm_arns": self.alarm_arns})

    def _alarm(
        self,
        name: str,
        role: str,
        args: MobileAlarmsArgs,
        log_group: aws.cloudwatch.LogGroup,
        pattern: str,
        threshold: int,
        description: str,
    ) -> aws.cloudwatch.MetricAlarm:
        namespace = metric_namespace(args.cluster_name)
        metric = "".join(part.capitalize() for part in role.split("-"))
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
            # `<cluster>-secrets-...`: the prefix the audit topic's policy admits.
            name=alarm_name(args.cluster_name, role),
            alarm_description=description,
            namespace=namespace,
            metric_name=metric,
            statistic="Sum",
            period=ALARM_PERIOD_SECONDS,
            evaluation_periods=ALARM_EVALUATION_PERIODS,
            threshold=threshold,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=[args.alarm_topic_arn],
            opts=pulumi.ResourceOptions(parent=metric_filter),
        )
