"""Who read which Vault secret: a Vault audit device, and on AWS the alert path fed from it.

The device (`file` or `socket`, from `vault.audit`) writes one JSON entry per request and response.
Vault HMACs every string of request and response data (and token accessors, `hmac_accessor`) with a
per-device salt, so secret values never appear in the log in clear; `log_raw` stays off, and the pack
refuses it on (`vault-audit-device-hmac`). Vault refuses requests when no enabled audit device can
write, so a full disk stops secret reads rather than letting them go unrecorded.

**AWS** (the cloud can): a CloudWatch Logs group `/secrets-platform/<cluster>/vault-audit`, encrypted
with its own KMS key, with two metric filters and alarms that publish to the cloud audit's topic:
denied requests (`permission denied`), and successful reads of the platform's KV paths by any login
other than the sync identities' auth roles (`auth.metadata.role`, which Vault does not HMAC). The
Vault server's log shipper (CloudWatch agent, Fluent Bit) sends the device's file or socket stream
to that group: the platform does not run the Vault, so it cannot install the shipper.

**Azure**: the same two alerts, as scheduled queries in the cloud audit's Log Analytics workspace to its
action group, on a custom table `VaultAudit_CL` the platform declares with the data collection endpoint
and rule a shipper sends entries through (Logs Ingestion API, stream `Custom-VaultAudit_CL`; the rule's
transformation keeps the fields the queries read). As on AWS, the shipper on the Vault's host is the
operator's step (the README's Vault section): until it sends, the table is empty and the alerts quiet.

The device itself is declared on every cloud.
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints`, which cannot evaluate string annotations once the module has been dropped
# from `sys.modules` (as the offline runner does between stacks); see components/aws/foundation.py.
import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_vault as vault

from components.aws.audit import ALARM_EVALUATION_PERIODS, ALARM_PERIOD_SECONDS, alarm_name, metric_namespace
from components.aws.foundation import (
    KMS_ROTATION_PERIOD_DAYS,
    key_policy,
    log_group_arn,
    log_retention_problem,
)
from components.azure.audit import LogAlertArgs, log_alert
from components.azure.audit import alert_name as azure_alert_name
from config.azure_names import VAULT_AUDIT_TABLE, vault_audit_ingestion_name
from config.models import AlertingConfig, AwsConfig, VaultAuditConfig

FILTER_PATTERN_MAX_LENGTH = 1024
"""Longest filter pattern CloudWatch Logs accepts (PutMetricFilter API reference, `filterPattern`)."""

DENIED_PATTERN = '{ $.type = "response" && $.error = "*permission denied*" }'
"""Responses Vault refused for lack of a policy (its error text: "1 error occurred: * permission denied")."""


def device_options(audit: VaultAuditConfig) -> dict[str, str]:
    """The audit device's options (Vault docs, "File audit device" and "Socket audit device").

    `log_raw: false` keeps the HMAC of every sensitive string; `hmac_accessor: true` HMACs token
    accessors too; `format: json` gives the entries CloudWatch filters read. A file is created `0600`.
    """
    common = {"format": "json", "log_raw": "false", "hmac_accessor": "true"}
    if audit.type == "file":
        return {**common, "file_path": audit.file_path, "mode": "0600"}
    if audit.address is None:  # config/models/ requires an address for a socket device
        raise ValueError("a socket audit device needs an address")
    return {**common, "address": audit.address, "socket_type": audit.socket_type}


def vault_audit_log_group_name(cluster_name: str) -> str:
    """The log group a shipper sends the Vault audit device's entries to."""
    return f"/secrets-platform/{cluster_name}/vault-audit"


def unexpected_reader_pattern(kv_mount: str, expected_roles: Sequence[str]) -> str:
    """Successful reads of the KV mount's secrets by a login that is none of `expected_roles`.

    A read with no `auth.metadata.role` (a root token, a person's token, another auth method) is one
    too. With no expected role (a stack whose Vault secrets no workload syncs), every read is.
    """
    roles = sorted(set(expected_roles))
    for role in roles:
        if '"' in role or "\\" in role:
            raise ValueError(f"role {role!r} cannot be quoted in a filter pattern")
    expected = " && ".join(f'$.auth.metadata.role != "{role}"' for role in roles)
    parts = [
        '{ $.type = "response"',
        '$.request.operation = "read"',
        f'$.request.path = "{kv_mount}/data/*"',
        "$.error NOT EXISTS",
        *([f"($.auth.metadata.role NOT EXISTS || ({expected}))"] if roles else []),
    ]
    pattern = " && ".join(parts) + " }"
    if len(pattern) > FILTER_PATTERN_MAX_LENGTH:
        raise ValueError(
            f"the unexpected-reader filter for {len(roles)} roles is {len(pattern)} characters, and "
            f"CloudWatch Logs accepts at most {FILTER_PATTERN_MAX_LENGTH}"
        )
    return pattern


@dataclass(frozen=True, kw_only=True)
class VaultAwsAlerts:
    """Where the Vault audit's alerts go on AWS."""

    aws: AwsConfig
    """The stack's AWS block: account, operator role (key administrator), KMS deletion window."""
    region: str
    """The stack's region (`aws:region`)."""
    alarm_topic: pulumi.Input[str]
    """The cloud audit's SNS topic (`SecretDelivery.alarm_topic`), whose policy admits the
    `<cluster>-secrets-*` alarms of this account."""
    alerting: AlertingConfig
    """How many matching entries in 5 minutes raise an alarm."""
    log_retention_days: int
    """Days the log group keeps entries (`cluster.logRetentionDays`)."""


@dataclass(frozen=True)
class VaultAuditIngestion:
    """What a shipper needs to send the device's entries (`az monitor data-collection rule show`)."""

    endpoint: pulumi.Output[str]
    """The data collection endpoint's logs ingestion URL."""
    rule_immutable_id: pulumi.Output[str]
    """The data collection rule's immutable id (`dcr-...`)."""


@dataclass(frozen=True, kw_only=True)
class VaultAzureAlerts:
    """Where the Vault audit's entries land and its alerts go on Azure: the cloud audit's."""

    resource_group_name: pulumi.Input[str]
    region: str
    """The stack's `azure-native:location` (the endpoint, rule and workspace share it)."""
    workspace_id: pulumi.Input[str]
    """ARM id of the cloud audit's Log Analytics workspace (`AzureSecretAccessAudit.workspace_id`)."""
    action_group_id: pulumi.Input[str]
    """The cloud audit's action group, which mails `alerting.email`."""
    alerting: AlertingConfig
    """How many matching entries in 5 minutes raise an alert."""


@dataclass(frozen=True, kw_only=True)
class VaultAuditArgs:
    audit: VaultAuditConfig
    """The device (`vault.audit`)."""
    cluster_name: str
    """The stack's cluster: names the log group and alarms."""
    kv_mount: str
    """The KV mount whose reads are watched (`vault.kvMount`)."""
    expected_readers: Sequence[pulumi.Input[str]]
    """Auth role names of the sync identities, the only logins expected to read secrets."""
    aws_alerts: VaultAwsAlerts | None = None
    """The AWS alert path (a stack on AWS)."""
    azure_alerts: VaultAzureAlerts | None = None
    """The Azure alert path (a stack on Azure)."""


def check_audit_args(args: VaultAuditArgs) -> list[str]:
    """Why these arguments cannot make the audit (empty when they can); pure, tested without mocks."""
    problems = []
    if args.aws_alerts is not None and args.azure_alerts is not None:
        problems.append("the Vault audit alerts go to one cloud: give aws_alerts or azure_alerts")
    if args.audit.type == "socket" and args.audit.address is None:
        problems.append("a socket audit device needs an address")
    if args.aws_alerts is not None:
        problem = log_retention_problem("log_retention_days", args.aws_alerts.log_retention_days)
        if problem:
            problems.append(problem)
    plain = [r for r in args.expected_readers if isinstance(r, str)]
    try:
        unexpected_reader_pattern(args.kv_mount, plain)
    except ValueError as error:
        problems.append(str(error))
    return problems


class VaultAudit(pulumi.ComponentResource):
    """The Vault audit device, and (on AWS) the log group and alarms fed from it."""

    device_path: pulumi.Output[str]
    """Path of the audit device (`sys/audit/<path>`)."""
    alarm_topic: pulumi.Output[str]
    """Where the alarms go (the cloud audit's topic or action group); empty without a cloud alert path."""
    log_group_name: pulumi.Output[str] | None
    """The log group the shipper writes to (AWS), for CloudWatch Logs Insights; None elsewhere."""
    ingestion: VaultAuditIngestion | None
    """Where the shipper sends entries (Azure): the endpoint and the rule's immutable id; None elsewhere."""

    def __init__(self, name: str, args: VaultAuditArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        problems = check_audit_args(args)
        if problems:
            raise ValueError("; ".join(problems))
        super().__init__("secrets-platform:vault_audit:VaultAudit", name, None, opts)
        device = vault.Audit(
            f"{name}-device",
            type=args.audit.type,
            path=args.audit.path,
            options=device_options(args.audit),
            description=f"secrets-platform audit of cluster {args.cluster_name}",
            # Replicated to performance secondaries too: a read there is audited as well.
            local=False,
            # Removing the device stops the record of who read what: never by accident.
            opts=pulumi.ResourceOptions(parent=self, protect=True),
        )
        self.device_path = device.path
        self.log_group_name = None
        self.ingestion = None
        self.alarm_topic = pulumi.Output.from_input("")
        if args.aws_alerts is not None:
            self.log_group_name = _aws_alerts(self, name, args, args.aws_alerts)
            self.alarm_topic = pulumi.Output.from_input(args.aws_alerts.alarm_topic)
        if args.azure_alerts is not None:
            self.ingestion = _azure_alerts(self, name, args, args.azure_alerts)
            self.alarm_topic = pulumi.Output.from_input(args.azure_alerts.action_group_id)
        self.register_outputs(
            {
                "device_path": self.device_path,
                "alarm_topic": self.alarm_topic,
                "log_group_name": self.log_group_name,
                "ingestion_endpoint": self.ingestion.endpoint if self.ingestion else None,
                "ingestion_rule_immutable_id": self.ingestion.rule_immutable_id if self.ingestion else None,
            }
        )


def _aws_alerts(
    parent: pulumi.Resource, name: str, args: VaultAuditArgs, alerts: VaultAwsAlerts
) -> pulumi.Output[str]:
    group_name = vault_audit_log_group_name(args.cluster_name)
    group_arn = log_group_arn(alerts.region, alerts.aws.account_id, group_name)
    # Its own key, so the foundation's store key policy need not name a log group only Vault stacks have.
    key = aws.kms.Key(
        f"{name}-logs-key",
        description=f"Vault audit log of cluster {args.cluster_name}",
        enable_key_rotation=True,
        rotation_period_in_days=KMS_ROTATION_PERIOD_DAYS,
        deletion_window_in_days=alerts.aws.kms_deletion_window_days,
        policy=key_policy(
            alerts.aws.account_id,
            alerts.aws.operator_role_arn,
            logs_region=alerts.region,
            log_group_arns=[group_arn],
        ),
        opts=pulumi.ResourceOptions(parent=parent, protect=True),
    )
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        name=group_name,
        kms_key_id=key.arn,
        retention_in_days=alerts.log_retention_days,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    namespace = metric_namespace(args.cluster_name)
    patterns = {
        "vault-denied-access": (
            pulumi.Output.from_input(DENIED_PATTERN),
            "VaultDeniedRequest",
            f"Requests the Vault of cluster {args.cluster_name} refused for lack of a policy.",
        ),
        "vault-unexpected-reader": (
            pulumi.Output.all(*args.expected_readers).apply(
                lambda roles: unexpected_reader_pattern(args.kv_mount, [str(r) for r in roles])
            ),
            "VaultUnexpectedSecretRead",
            f"Vault secrets of cluster {args.cluster_name} read by a login other than the sync identities.",
        ),
    }
    for role, (pattern, metric, description) in patterns.items():
        metric_filter = aws.cloudwatch.LogMetricFilter(
            f"{name}-{role}-filter",
            name=alarm_name(args.cluster_name, role),
            log_group_name=log_group.name,
            pattern=pattern,
            metric_transformation={"name": metric, "namespace": namespace, "value": "1", "unit": "Count"},
            opts=pulumi.ResourceOptions(parent=log_group),
        )
        aws.cloudwatch.MetricAlarm(
            f"{name}-{role}-alarm",
            name=alarm_name(args.cluster_name, role),
            alarm_description=description,
            namespace=namespace,
            metric_name=metric,
            statistic="Sum",
            period=ALARM_PERIOD_SECONDS,
            evaluation_periods=ALARM_EVALUATION_PERIODS,
            threshold=alerts.alerting.denied_access_threshold,
            comparison_operator="GreaterThanOrEqualToThreshold",
            # No matching entry publishes no data point: the quiet, healthy state.
            treat_missing_data="notBreaching",
            alarm_actions=[alerts.alarm_topic],
            opts=pulumi.ResourceOptions(parent=metric_filter),
        )
    return log_group.name


# --- Azure: a custom table, the endpoint and rule a shipper sends to, and two scheduled queries ------

VAULT_AUDIT_STREAM = f"Custom-{VAULT_AUDIT_TABLE}"
"""The stream a Logs Ingestion API client posts entries to (`<endpoint>/dataCollectionRules/<immutable
id>/streams/Custom-VaultAudit_CL`, "Logs Ingestion API in Azure Monitor")."""
WORKSPACE_DESTINATION = "audit"

ENTRY_COLUMNS = (("time", "datetime"), ("type", "string"), ("auth", "dynamic"), ("request", "dynamic"),
                 ("error", "string"))  # fmt: skip
"""The top-level fields of a Vault audit entry (Vault docs, "Audit devices": `time`, `type`, `auth`,
`request`, `error`; `response` is left out, its data HMAC'd and of no use to the alerts)."""

TABLE_COLUMNS = (
    ("TimeGenerated", "dateTime"),
    ("EntryType", "string"),
    ("Operation", "string"),
    ("Path", "string"),
    ("Role", "string"),
    ("Error", "string"),
    ("RemoteAddress", "string"),
)
"""`VaultAudit_CL`: what the two alerts read, one row per entry. A custom table needs `TimeGenerated`."""

ENTRY_TRANSFORM = (
    "source | project TimeGenerated = todatetime(['time']), EntryType = tostring(['type']), "
    "Operation = tostring(request.operation), Path = tostring(request.path), "
    "Role = tostring(auth.metadata.role), Error = tostring(['error']), "
    "RemoteAddress = tostring(request.remote_address)"
)
"""The rule's transformation from an entry to a row: the same fields the AWS filters read (`type`,
`request.operation`, `request.path`, `auth.metadata.role`, which Vault does not HMAC, and `error`).
Bracketed names quote the fields whose names are KQL keywords."""

DENIED_QUERY = f'{VAULT_AUDIT_TABLE} | where EntryType == "response" and Error has "permission denied"'
"""Responses Vault refused for lack of a policy (its error text: "1 error occurred: * permission denied")."""


def unexpected_reader_query(kv_mount: str, expected_roles: Sequence[str]) -> str:
    """Successful reads of the KV mount's secrets by a login that is none of `expected_roles`.

    A read without a role (a root token, a person's token, another auth method: `Role` is empty) is one
    too, as on AWS. Strings are written as JSON, which KQL reads as string literals.
    """
    roles = sorted(set(expected_roles))
    return (
        f"let expected = dynamic({json.dumps(roles)});\n"
        f"{VAULT_AUDIT_TABLE}\n"
        '| where EntryType == "response" and Operation == "read" and isempty(Error)\n'
        f"| where Path startswith {json.dumps(kv_mount + '/data/')}\n"
        "| where Role !in (expected)"
    )


def _azure_alerts(
    parent: pulumi.Resource, name: str, args: VaultAuditArgs, alerts: VaultAzureAlerts
) -> VaultAuditIngestion:
    workspace_name = pulumi.Output.from_input(alerts.workspace_id).apply(lambda i: i.rsplit("/", 1)[-1])
    table = azure_native.operationalinsights.Table(
        f"{name}-table",
        table_name=VAULT_AUDIT_TABLE,
        workspace_name=workspace_name,
        resource_group_name=alerts.resource_group_name,
        # Analytics: the plan alert rules can query; retention is the workspace's (logRetentionDays).
        plan=azure_native.operationalinsights.TablePlanEnum.ANALYTICS,
        schema={
            "name": VAULT_AUDIT_TABLE,
            "description": f"Vault audit entries of cluster {args.cluster_name} (HMAC'd by Vault, no value).",
            "columns": [{"name": column, "type": kind} for column, kind in TABLE_COLUMNS],
        },
        opts=pulumi.ResourceOptions(parent=parent),
    )
    ingestion_name = vault_audit_ingestion_name(args.cluster_name)
    endpoint = azure_native.monitor.DataCollectionEndpoint(
        f"{name}-ingestion-endpoint",
        data_collection_endpoint_name=ingestion_name,
        resource_group_name=alerts.resource_group_name,
        location=alerts.region,
        description=f"Where the Vault audit shipper of cluster {args.cluster_name} sends entries.",
        # The Vault runs outside the stack: its shipper reaches the endpoint over the internet, with an
        # Entra token of an identity granted Monitoring Metrics Publisher on the rule (nothing else).
        network_acls={"public_network_access": azure_native.monitor.KnownPublicNetworkAccessOptions.ENABLED},
        opts=pulumi.ResourceOptions(parent=parent),
    )
    rule = azure_native.monitor.DataCollectionRule(
        f"{name}-ingestion-rule",
        data_collection_rule_name=ingestion_name,
        resource_group_name=alerts.resource_group_name,
        location=alerts.region,
        description=f"Vault audit entries of cluster {args.cluster_name} into {VAULT_AUDIT_TABLE}.",
        data_collection_endpoint_id=endpoint.id,
        stream_declarations={
            VAULT_AUDIT_STREAM: {"columns": [{"name": field, "type": kind} for field, kind in ENTRY_COLUMNS]}
        },
        destinations={
            "log_analytics": [{"name": WORKSPACE_DESTINATION, "workspace_resource_id": alerts.workspace_id}]
        },
        data_flows=[
            {
                "streams": [VAULT_AUDIT_STREAM],
                "destinations": [WORKSPACE_DESTINATION],
                "transform_kql": ENTRY_TRANSFORM,
                "output_stream": VAULT_AUDIT_STREAM,
            }
        ],
        # The table must exist before a rule may send to it.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[table]),
    )
    queries = {
        "vault-denied-access": (
            pulumi.Output.from_input(DENIED_QUERY),
            f"Requests the Vault of cluster {args.cluster_name} refused for lack of a policy.",
        ),
        "vault-unexpected-reader": (
            pulumi.Output.all(*args.expected_readers).apply(
                lambda roles: unexpected_reader_query(args.kv_mount, [str(r) for r in roles])
            ),
            f"Vault secrets of cluster {args.cluster_name} read by a login other than the sync identities.",
        ),
    }
    for role, (query, description) in queries.items():
        log_alert(
            f"{name}-{role}-alert",
            LogAlertArgs(
                rule_name=azure_alert_name(args.cluster_name, role),
                resource_group_name=alerts.resource_group_name,
                location=alerts.region,
                description=description,
                severity=1,
                workspace_id=alerts.workspace_id,
                action_group_id=alerts.action_group_id,
                query=query,
                threshold=alerts.alerting.denied_access_threshold,
            ),
            # After the table (a child waits for its parent), which may still hold no row.
            pulumi.ResourceOptions(parent=table),
        )
    return VaultAuditIngestion(
        endpoint=endpoint.logs_ingestion.apply(lambda ingest: ingest.endpoint if ingest else ""),
        rule_immutable_id=rule.immutable_id,
    )
