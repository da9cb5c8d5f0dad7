"""Who touched the secrets on Azure: Key Vault and AKS audit logs in Log Analytics, and alerts on them.

Diagnostic settings send the vault's `AuditEvent` log (every data-plane call: who, which secret or key,
the HTTP status) and the cluster's `kube-audit` log (every API request, reads of Secrets included;
`kube-audit-admin` would leave out get and list) to one Log Analytics workspace, kept for
`cluster.logRetentionDays`. Both land in the `AzureDiagnostics` table (the settings' default
destination), whose Key Vault and AKS columns the queries below read.

Three scheduled query alerts e-mail the alerting address through one action group: secret or key calls
the vault refused (403, RBAC or firewall), successful secret reads by any identity other than the
granted readers (the workloads' sync identities and the rotation function), and reads of Kubernetes
Secrets the API server denied (403 on get, list or watch), the same as AWS's alarms.

The workspace and the action group are the stack's alert target on Azure: the mobile path's alerts
(`components/azure/mobile_alerts.py`, on the container logs Container Insights sends here) and the
Vault audit's (`components/vault/audit.py`) use them too, through `log_alert`.
"""

# No `from __future__ import annotations` here: see components/azure/foundation.py.
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native

from config.azure_names import log_workspace_name
from config.models import AlertingConfig

ALERT_WINDOW = "PT5M"
"""Alerts count matching events over 5 minutes (the window of `alerting.deniedAccessThreshold`),
evaluated every 5 minutes."""
ACTION_GROUP_SHORT_NAME = "secrets"
"""Short name shown in alert e-mails and SMS (Action groups API: at most 12 characters)."""
KEY_VAULT_LOG = "AuditEvent"
AKS_AUDIT_LOG = "kube-audit"

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

DENIED_ACCESS_QUERY = """AzureDiagnostics
| where ResourceProvider == "MICROSOFT.KEYVAULT" and Category == "AuditEvent"
| where OperationName startswith "Secret" or OperationName startswith "Key"
| where toint(column_ifexists("httpStatusCode_d", real(null))) == 403"""
"""Secret or key calls the vault refused: RBAC denials and firewall denials (`ForbiddenByFirewall`) are
both HTTP 403 (Key Vault docs, "Azure Key Vault logging": `httpStatusCode`)."""

KUBERNETES_SECRET_DENIED_QUERY = """AzureDiagnostics
| where Category == "kube-audit"
| extend event = parse_json(tostring(column_ifexists("log_s", "")))
| where tostring(event.stage) == "ResponseComplete"
| where tostring(event.objectRef.resource) == "secrets"
| where tostring(event.verb) in ("get", "list", "watch")
| where toint(event.responseStatus.code) == 403"""
"""Reads of Kubernetes Secrets the API server denied (Kubernetes audit events, `audit.k8s.io/v1`)."""


def unexpected_reader_query(expected_readers: Sequence[str]) -> str:
    """Successful secret reads by an identity that is none of `expected_readers` (object ids; any, when empty).

    `identity_claim_oid_g` is the caller's object id in Key Vault's AuditEvent (the `oid` claim of its
    token); a read without one (none should exist) counts as unexpected too.
    """
    readers = sorted({reader.lower() for reader in expected_readers})
    for reader in readers:
        if not _GUID.match(reader):
            raise ValueError(f"expected reader {reader!r} is not an Entra object id (a GUID)")
    return (
        f"let expected = dynamic({json.dumps(readers)});\n"
        "AzureDiagnostics\n"
        '| where ResourceProvider == "MICROSOFT.KEYVAULT" and Category == "AuditEvent"\n'
        '| where OperationName == "SecretGet"\n'
        '| where toint(column_ifexists("httpStatusCode_d", real(null))) == 200\n'
        '| extend caller = tolower(tostring(column_ifexists("identity_claim_oid_g", "")))\n'
        "| where caller !in (expected)"
    )


@dataclass(frozen=True, kw_only=True)
class AzureAuditArgs:
    cluster_name: str
    """The stack's cluster name: the workspace is `log-<cluster>`, alerts `<cluster>-secrets-<what>`."""
    region: str
    resource_group_name: pulumi.Input[str]
    vault_id: pulumi.Input[str]
    """ARM id of the Key Vault whose AuditEvent log is collected."""
    cluster_id: pulumi.Input[str]
    """ARM id of the AKS cluster whose kube-audit log is collected."""
    alerting: AlertingConfig
    """Where alerts go (`email`) and how many matching events in 5 minutes raise one."""
    expected_readers: Sequence[pulumi.Input[str]]
    """Object ids allowed to read secrets: the sync identities and the rotation function's identity."""
    log_retention_days: int
    """Days the workspace keeps the logs (30 to 730, checked by config)."""


def alert_name(cluster_name: str, what: str) -> str:
    return f"{cluster_name}-secrets-{what}"


class AzureSecretAccessAudit(pulumi.ComponentResource):
    """A Log Analytics workspace of Key Vault and AKS audit logs, and alerts on denied and unexpected access."""

    workspace_id: pulumi.Output[str]
    """ARM id of the workspace, for Log Analytics queries."""
    action_group_id: pulumi.Output[str]
    """The action group the alerts notify."""
    alarm_topic: pulumi.Output[str]
    """The same action group, as the cloud interface names where alerts go."""
    alert_ids: pulumi.Output[list[str]]
    """ARM ids of the denied-access, unexpected-reader and Kubernetes denied-read alerts."""

    def __init__(self, name: str, args: AzureAuditArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if not 30 <= args.log_retention_days <= 730:
            raise ValueError(
                f"log_retention_days is {args.log_retention_days}; Log Analytics keeps 30 to 730 days"
            )
        super().__init__("secrets-platform:azure_audit:AzureSecretAccessAudit", name, None, opts)
        # Retained and protected: the evidence outlives the stack, as the AWS trail's bucket does.
        workspace = azure_native.operationalinsights.Workspace(
            f"{name}-workspace",
            workspace_name=log_workspace_name(args.cluster_name),
            resource_group_name=args.resource_group_name,
            location=args.region,
            sku={"name": azure_native.operationalinsights.WorkspaceSkuNameEnum.PER_GB2018},
            retention_in_days=args.log_retention_days,
            features={"enable_log_access_using_only_resource_permissions": True},
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True),
        )
        azure_native.monitor.DiagnosticSetting(
            f"{name}-vault-diagnostics",
            name="secrets-platform-audit",
            resource_uri=args.vault_id,
            workspace_id=workspace.id,
            logs=[{"category": KEY_VAULT_LOG, "enabled": True}],
            opts=pulumi.ResourceOptions(parent=workspace),
        )
        azure_native.monitor.DiagnosticSetting(
            f"{name}-cluster-diagnostics",
            name="secrets-platform-audit",
            resource_uri=args.cluster_id,
            workspace_id=workspace.id,
            logs=[{"category": AKS_AUDIT_LOG, "enabled": True}],
            opts=pulumi.ResourceOptions(parent=workspace),
        )
        group = azure_native.monitor.ActionGroup(
            f"{name}-alerts",
            action_group_name=f"{args.cluster_name}-secrets-audit",
            resource_group_name=args.resource_group_name,
            location="Global",
            group_short_name=ACTION_GROUP_SHORT_NAME,
            enabled=True,
            email_receivers=[
                {"name": "operations", "email_address": args.alerting.email, "use_common_alert_schema": True}
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        alerts = [
            _alert(name, "denied-access", args, workspace, group, DENIED_ACCESS_QUERY,
                   f"Secret or key calls refused by the Key Vault of cluster {args.cluster_name}."),
            _alert(name, "unexpected-reader", args, workspace, group,
                   pulumi.Output.all(*args.expected_readers).apply(unexpected_reader_query),
                   f"Secrets read by an identity other than the granted readers of cluster {args.cluster_name}."),
            _alert(name, "kubernetes-secret-denied", args, workspace, group, KUBERNETES_SECRET_DENIED_QUERY,
                   f"Reads of Kubernetes Secrets denied by the API server of cluster {args.cluster_name}."),
        ]  # fmt: skip
        self.workspace_id = workspace.id
        self.action_group_id = group.id
        self.alarm_topic = group.id
        self.alert_ids = pulumi.Output.all(*(alert.id for alert in alerts))
        self.register_outputs(
            {
                "workspace_id": self.workspace_id,
                "action_group_id": self.action_group_id,
                "alert_ids": self.alert_ids,
            }
        )


def _alert(
    name: str,
    role: str,
    args: AzureAuditArgs,
    workspace: azure_native.operationalinsights.Workspace,
    group: azure_native.monitor.ActionGroup,
    query: pulumi.Input[str],
    description: str,
) -> azure_native.monitor.ScheduledQueryRule:
    return log_alert(
        f"{name}-{role}-alert",
        LogAlertArgs(
            rule_name=alert_name(args.cluster_name, role),
            resource_group_name=args.resource_group_name,
            location=args.region,
            description=description,
            severity=1,
            workspace_id=workspace.id,
            action_group_id=group.id,
            query=query,
            threshold=args.alerting.denied_access_threshold,
        ),
        pulumi.ResourceOptions(parent=workspace),
    )


AT_LEAST = "GreaterThanOrEqual"
"""The criteria operator "count >= threshold" (Microsoft.Insights/scheduledQueryRules 2025-01-01-preview,
the SDK's API version: `Condition.operator` is one of `Equals`, `GreaterOrLessThan`, `GreaterThan`,
`GreaterThanOrEqual`, `LessThan`, `LessThanOrEqual`). Written out rather than taken from the SDK: in
pulumi-azure-native 3.29.0 the `ConditionOperator` enum this field is typed with is another API's filter
operator (`gte`), which the alert API does not accept."""


@dataclass(frozen=True, kw_only=True)
class LogAlertArgs:
    """A log search alert of the stack: a query over one workspace, counted over 5 minutes."""

    rule_name: str
    resource_group_name: pulumi.Input[str]
    location: str
    description: str
    severity: int
    """0 (critical) to 4 (verbose)."""
    workspace_id: pulumi.Input[str]
    action_group_id: pulumi.Input[str]
    query: pulumi.Input[str]
    threshold: int
    """Matching rows in one window that raise the alert."""
    skip_query_validation: bool = True
    """Skip ARM's check of the query, for tables that may hold no row yet (see `log_alert`)."""


def log_alert(
    resource_name: str, args: LogAlertArgs, opts: pulumi.ResourceOptions
) -> azure_native.monitor.ScheduledQueryRule:
    """A scheduled query rule that mails the action group when `query` returns at least `threshold` rows
    in 5 minutes, evaluated every 5 minutes; one window over the threshold raises it (a denied or
    unexpected read is never noise to wait out)."""
    return azure_native.monitor.ScheduledQueryRule(
        resource_name,
        rule_name=args.rule_name,
        resource_group_name=args.resource_group_name,
        location=args.location,
        kind=azure_native.monitor.Kind.LOG_ALERT,
        description=args.description,
        severity=args.severity,
        enabled=True,
        scopes=[args.workspace_id],
        evaluation_frequency=ALERT_WINDOW,
        window_size=ALERT_WINDOW,
        criteria={
            "all_of": [
                {
                    "query": args.query,
                    "time_aggregation": azure_native.monitor.TimeAggregation.COUNT,
                    "operator": AT_LEAST,
                    "threshold": args.threshold,
                    "failing_periods": {"number_of_evaluation_periods": 1, "min_failing_periods_to_alert": 1},
                }
            ]
        },
        actions={"action_groups": [args.action_group_id]},
        # A new workspace has no AzureDiagnostics (or ContainerLogV2) table until the first log arrives,
        # and a new custom table may not be queryable at once; ARM would refuse the query until then
        # ("Failed to resolve table").
        skip_query_validation=args.skip_query_validation,
        opts=opts,
    )
