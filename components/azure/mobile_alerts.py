"""Azure Monitor alerts on the mobile path: repeated 401/403 at the BFF, 429 surges, failed CMS logins.

What an Azure user expects, and the same alerts as AWS's (`components/aws/mobile_alarms.py`), into the
secrets audit's Log Analytics workspace and action group (`components/azure/audit.py`), so they mail
`alerting.email` like the vault's alerts:

- Container Insights ships container logs: the cluster's monitoring add-on (`components/azure/foundation.py`,
  managed identity authentication) runs the agent, and this data collection rule, associated with the
  cluster, says what it sends where ("Enable monitoring for Kubernetes clusters using ARM", the
  `ContainerInsightsExtension` rule and association of Azure Monitor's onboarding template): the
  `Microsoft-ContainerLogV2` stream (table `ContainerLogV2`, one row per line, `LogMessage` the line) to
  the audit's workspace. A transformation keeps only the BFF's and the CMS's namespaces ("Filter and
  transform Kubernetes container logs using data transformations"): the audit workspace receives the lines
  the alerts read and nothing of the other workloads (the rule's namespace filter does not apply to
  ContainerLogV2, "Filter log collection in Container insights").
- Three scheduled query rules parse the BFF's audit lines and the CMS proxy's access lines, which hold
  names, paths and statuses, never a value (the proxy logs `$uri`, without the query string).
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints` (see components/aws/foundation.py).
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native

from components.azure.audit import LogAlertArgs, alert_name, log_alert
from config.azure_names import container_logs_rule_name

CONTAINER_LOGS_STREAM = "Microsoft-ContainerLogV2"
"""The Container Insights stream of the `ContainerLogV2` table ("Stream values")."""
CONTAINER_INSIGHTS_EXTENSION = "ContainerInsights"
ASSOCIATION_NAME = "ContainerInsightsExtension"
"""Name of the rule's association with the cluster, as Azure Monitor's onboarding template names it."""
WORKSPACE_DESTINATION = "ciworkspace"
COLLECTION_INTERVAL = "1m"
"""How often the agent collects (1m to 30m; Container Insights' default)."""


def bff_status_query(namespace: str, statuses: tuple[int, ...]) -> str:
    """KQL: BFF audit lines of `namespace` answered with one of `statuses`."""
    listed = ", ".join(str(s) for s in statuses)
    return (
        f'ContainerLogV2 | where PodNamespace == "{namespace}" '
        "| extend line = parse_json(tostring(LogMessage)) "
        f'| where tostring(line.type) == "audit" and toint(line.status) in ({listed})'
    )


def cms_failed_login_query(namespace: str) -> str:
    """KQL: CMS proxy access lines of a refused login (`POST /auth/login` answered 401)."""
    return (
        f'ContainerLogV2 | where PodNamespace == "{namespace}" '
        "| extend line = parse_json(tostring(LogMessage)) "
        '| where tostring(line.type) == "access" and tostring(line.method) == "POST" '
        'and tostring(line.uri) == "/auth/login" and toint(line.status) == 401'
    )


def namespaces_transform(namespaces: list[str]) -> str:
    """The rule's transformation: only lines of these namespaces reach the workspace (`source` is the
    incoming stream; namespaces are Kubernetes names, so quoting them needs no escaping)."""
    listed = ", ".join(f"'{namespace}'" for namespace in sorted(set(namespaces)))
    return f"source | where PodNamespace in ({listed})"


@dataclass(frozen=True, kw_only=True)
class MobileAlertsArgs:
    cluster_name: str
    """The stack's cluster: names the rules (`<cluster>-secrets-<what>`, like the audit's alerts)."""
    cluster_id: pulumi.Input[str]
    """ARM id of the AKS cluster whose container logs are collected."""
    resource_group_name: pulumi.Input[str]
    location: str
    workspace_id: pulumi.Input[str]
    """ARM id of the audit's Log Analytics workspace (the monitoring add-on sends to the same one)."""
    action_group_id: pulumi.Input[str]
    """The action group of the secrets audit."""
    bff_namespace: str
    cms_namespace: str
    auth_failure_threshold: int
    rate_limited_threshold: int
    cms_login_failure_threshold: int


class MobileAlerts(pulumi.ComponentResource):
    """The BFF's and the CMS's container logs to the audit's workspace, and three alerts on them."""

    rule_ids: pulumi.Output[list[str]]
    """ARM ids of the alert rules."""
    data_collection_rule_id: pulumi.Output[str]
    """ARM id of the data collection rule of the cluster's container logs."""

    def __init__(self, name: str, args: MobileAlertsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("secrets-platform:azure_mobile_alerts:MobileAlerts", name, None, opts)
        collection = azure_native.monitor.DataCollectionRule(
            f"{name}-container-logs",
            data_collection_rule_name=container_logs_rule_name(args.cluster_name),
            resource_group_name=args.resource_group_name,
            location=args.location,
            kind=azure_native.monitor.KnownDataCollectionRuleResourceKind.LINUX,
            description=f"Container logs of the BFF and the CMS of cluster {args.cluster_name}, for alerts.",
            data_sources={
                "extensions": [
                    {
                        "name": ASSOCIATION_NAME,
                        "extension_name": CONTAINER_INSIGHTS_EXTENSION,
                        "streams": [CONTAINER_LOGS_STREAM],
                        "extension_settings": {
                            "dataCollectionSettings": {
                                "interval": COLLECTION_INTERVAL,
                                "namespaceFilteringMode": "Off",
                                "enableContainerLogV2": True,
                            }
                        },
                    }
                ]
            },
            destinations={
                "log_analytics": [{"name": WORKSPACE_DESTINATION, "workspace_resource_id": args.workspace_id}]
            },
            data_flows=[
                {
                    "streams": [CONTAINER_LOGS_STREAM],
                    "destinations": [WORKSPACE_DESTINATION],
                    "transform_kql": namespaces_transform([args.bff_namespace, args.cms_namespace]),
                }
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        azure_native.monitor.DataCollectionRuleAssociation(
            f"{name}-container-logs-association",
            association_name=ASSOCIATION_NAME,
            resource_uri=args.cluster_id,
            data_collection_rule_id=collection.id,
            description="Container logs of the BFF and the CMS for the mobile alerts; deleting this "
            "association stops them.",
            opts=pulumi.ResourceOptions(parent=collection),
        )
        rules = {
            "bff-auth-failures": (
                bff_status_query(args.bff_namespace, (401, 403)),
                args.auth_failure_threshold,
                "Repeated 401/403 answers of the BFF: guessed tokens, a revoked app, or a scan.",
            ),
            "bff-rate-limited": (
                bff_status_query(args.bff_namespace, (429,)),
                args.rate_limited_threshold,
                "A surge of 429 answers of the BFF: a client over its limit, or a scraper.",
            ),
            "cms-login-failures": (
                cms_failed_login_query(args.cms_namespace),
                args.cms_login_failure_threshold,
                "Failed logins to the CMS: someone guessing an operator's password.",
            ),
        }
        created = [
            log_alert(
                f"{name}-{role}",
                LogAlertArgs(
                    rule_name=alert_name(args.cluster_name, role),
                    resource_group_name=args.resource_group_name,
                    location=args.location,
                    description=description,
                    severity=2,
                    workspace_id=args.workspace_id,
                    action_group_id=args.action_group_id,
                    query=query,
                    threshold=threshold,
                ),
                # The rules query what the collection rule sends: created after it.
                pulumi.ResourceOptions(parent=self, depends_on=[collection]),
            )
            for role, (query, threshold, description) in rules.items()
        ]
        self.rule_ids = pulumi.Output.all(*[r.id for r in created])
        self.data_collection_rule_id = collection.id
        self.register_outputs(
            {"rule_ids": self.rule_ids, "data_collection_rule_id": self.data_collection_rule_id}
        )
