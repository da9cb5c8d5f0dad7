"""Azure Monitor alerts on the mobile path: repeated 401/403 at the BFF, 429 surges, failed CMS logins.

What an Azure user expects: Container Insights sends container logs to a Log Analytics workspace
(table `ContainerLogV2`, one row per line, `LogMessage` the line), and scheduled query rules alert an
action group. The queries parse the BFF's audit lines and the CMS proxy's access lines, which hold
names and statuses, never a value.

Not wired into `platform.py` yet: it needs the workspace and the action group of the Azure audit (the
same target as the vault alerts), which another part of the platform declares.
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints` (see components/aws/foundation.py).
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native

WINDOW = "PT5M"
"""Each rule counts over 5 minutes, evaluated every 5 minutes (ISO 8601)."""


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


@dataclass(frozen=True, kw_only=True)
class MobileAlertsArgs:
    resource_group_name: pulumi.Input[str]
    location: str
    workspace_id: pulumi.Input[str]
    """ARM id of the Log Analytics workspace Container Insights writes to."""
    action_group_id: pulumi.Input[str]
    """The action group of the secrets audit."""
    bff_namespace: str
    cms_namespace: str
    auth_failure_threshold: int
    rate_limited_threshold: int
    cms_login_failure_threshold: int


class MobileAlerts(pulumi.ComponentResource):
    """Three scheduled query rules on the cluster's container logs."""

    rule_ids: pulumi.Output[list[str]]
    """ARM ids of the rules."""

    def __init__(self, name: str, args: MobileAlertsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("secrets-platform:azure_mobile_alerts:MobileAlerts", name, None, opts)
        rules = {
            "bff-auth-failures": (
                bff_status_query(args.bff_namespace, (401, 403)),
                args.auth_failure_threshold,
            ),
            "bff-rate-limited": (bff_status_query(args.bff_namespace, (429,)), args.rate_limited_threshold),
            "cms-login-failures": (
                cms_failed_login_query(args.cms_namespace),
                args.cms_login_failure_threshold,
            ),
        }
        created = [
            azure_native.monitor.ScheduledQueryRule(
                f"{name}-{role}",
                rule_name=role,
                resource_group_name=args.resource_group_name,
                location=args.location,
                severity=2,
                enabled=True,
                evaluation_frequency=WINDOW,
                window_size=WINDOW,
                scopes=[args.workspace_id],
                criteria={
                    "all_of": [
                        {
                            "query": query,
                            "time_aggregation": "Count",
                            "operator": "GreaterThanOrEqual",
                            "threshold": threshold,
                            "failing_periods": {
                                "number_of_evaluation_periods": 1,
                                "min_failing_periods_to_alert": 1,
                            },
                        }
                    ]
                },
                actions={"action_groups": [args.action_group_id]},
                opts=pulumi.ResourceOptions(parent=self),
            )
            for role, (query, threshold) in rules.items()
        ]
        self.rule_ids = pulumi.Output.all(*[r.id for r in created])
        self.register_outputs({"rule_ids": self.rule_ids})
