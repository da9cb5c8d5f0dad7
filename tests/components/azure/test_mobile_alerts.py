"""The mobile path's alerts on the prod (Azure) plan: the BFF's and the CMS's container logs reach the
audit's Log Analytics workspace through Container Insights, and three alerts on them mail the audit's
action group; the pure query and transformation builders without mocks."""

from __future__ import annotations

import pytest

from components.azure.audit import AT_LEAST
from components.azure.mobile_alerts import bff_status_query, cms_failed_login_query, namespaces_transform
from offline.mocks import SUBSCRIPTION
from offline.runtime import Capture
from tests.components._support import by_name as _one

GROUP = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-secrets-prod/providers"
WORKSPACE = f"{GROUP}/Microsoft.OperationalInsights/workspaces/log-secrets-prod"
ACTION_GROUP = f"{GROUP}/microsoft.insights/actionGroups/secrets-prod-secrets-audit"
CLUSTER = f"{GROUP}/Microsoft.ContainerService/managedClusters/secrets-prod"
RULES = ("bff-auth-failures", "bff-rate-limited", "cms-login-failures")


def test_container_insights_sends_to_the_audit_workspace_and_the_cluster_waits_for_it(prod: Capture) -> None:
    cluster = _one(prod, "secrets-azure-cluster")
    addon = cluster.inputs["addonProfiles"]["omsagent"]
    assert addon == {
        "enabled": True,
        "config": {"logAnalyticsWorkspaceResourceID": WORKSPACE, "useAADAuth": "true"},
    }
    # AKS refuses a monitoring add-on whose workspace does not exist yet: the cluster depends on it.
    workspace = _one(prod, "secrets-store-audit-workspace")
    assert workspace.urn in cluster.dependencies


def test_only_the_bff_and_cms_logs_reach_the_workspace(prod: Capture) -> None:
    rule = _one(prod, "secrets-mobile-alerts-container-logs").inputs
    extension = rule["dataSources"]["extensions"][0]
    assert extension["extensionName"] == "ContainerInsights"
    assert extension["streams"] == ["Microsoft-ContainerLogV2"]
    assert extension["extensionSettings"]["dataCollectionSettings"]["enableContainerLogV2"] is True
    assert rule["destinations"]["logAnalytics"] == [{"name": "ciworkspace", "workspaceResourceId": WORKSPACE}]
    assert rule["dataFlows"] == [
        {
            "streams": ["Microsoft-ContainerLogV2"],
            "destinations": ["ciworkspace"],
            "transformKql": "source | where PodNamespace in ('bff', 'cms')",
        }
    ]
    association = _one(prod, "secrets-mobile-alerts-container-logs-association").inputs
    assert association["resourceUri"] == CLUSTER
    assert association["associationName"] == "ContainerInsightsExtension"
    assert association["dataCollectionRuleId"].endswith("/dataCollectionRules/secrets-prod-container-logs")


@pytest.mark.parametrize("role", RULES)
def test_each_alert_queries_the_audit_workspace_and_mails_its_action_group(prod: Capture, role: str) -> None:
    rule = _one(prod, f"secrets-mobile-alerts-{role}")
    inputs = rule.inputs
    assert inputs["ruleName"] == f"secrets-prod-secrets-{role}"
    assert inputs["kind"] == "LogAlert" and inputs["enabled"] is True
    assert inputs["scopes"] == [WORKSPACE]
    assert inputs["actions"] == {"actionGroups": [ACTION_GROUP]}
    condition = inputs["criteria"]["allOf"][0]
    assert condition["operator"] == "GreaterThanOrEqual" and condition["timeAggregation"] == "Count"
    assert condition["query"].startswith("ContainerLogV2 | where PodNamespace == ")
    assert any(d.endswith("::secrets-mobile-alerts-container-logs") for d in rule.dependencies), rule.urn


def test_thresholds_come_from_the_alerting_block(prod: Capture) -> None:
    thresholds = {
        role: _one(prod, f"secrets-mobile-alerts-{role}").inputs["criteria"]["allOf"][0]["threshold"]
        for role in RULES
    }
    # alerting: defaults of config/models/ (prod sets none of them).
    from config.models import AlertingConfig

    defaults = AlertingConfig(email="x@example.com")
    assert thresholds == {
        "bff-auth-failures": defaults.bff_auth_failure_threshold,
        "bff-rate-limited": defaults.bff_rate_limited_threshold,
        "cms-login-failures": defaults.cms_login_failure_threshold,
    }


def test_every_alert_of_the_stack_uses_the_operator_the_api_accepts(prod: Capture) -> None:
    operators = {
        r.name: r.inputs["criteria"]["allOf"][0]["operator"]
        for r in prod.resources
        if r.type == "azure-native:monitor:ScheduledQueryRule"
    }
    assert len(operators) == 6, operators
    assert set(operators.values()) == {AT_LEAST} == {"GreaterThanOrEqual"}


# --- pure builders -------------------------------------------------------------------------------


def test_queries_read_names_and_statuses_of_one_namespace() -> None:
    assert bff_status_query("bff", (401, 403)).endswith(
        '| where tostring(line.type) == "audit" and toint(line.status) in (401, 403)'
    )
    assert 'PodNamespace == "cms"' in cms_failed_login_query("cms")
    assert 'tostring(line.uri) == "/auth/login" and toint(line.status) == 401' in cms_failed_login_query(
        "cms"
    )


def test_the_transformation_lists_each_namespace_once_in_order() -> None:
    assert namespaces_transform(["cms", "bff", "cms"]) == "source | where PodNamespace in ('bff', 'cms')"
