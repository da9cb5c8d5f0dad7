"""The Vault audit's alert path on Azure, on the prod (Azure) stack with Vault secrets: a custom table in
the cloud audit's workspace, the endpoint and rule a shipper sends entries through, and the AWS alarms'
two patterns as scheduled queries to the cloud audit's action group; the pure query builder without
mocks."""

from __future__ import annotations

import json

import pytest

from components.vault.audit import (
    ENTRY_COLUMNS,
    ENTRY_TRANSFORM,
    TABLE_COLUMNS,
    VAULT_AUDIT_STREAM,
    VaultAuditArgs,
    VaultAwsAlerts,
    VaultAzureAlerts,
    check_audit_args,
    unexpected_reader_query,
)
from config.models import AlertingConfig, AwsConfig, VaultAuditConfig
from offline.runtime import Capture
from tests.components._support import by_name as _one

AUDIT = "secrets-vault-store-audit"


def test_entries_land_in_a_table_of_the_cloud_audits_workspace(azure_vault_capture: Capture) -> None:
    table = _one(azure_vault_capture, f"{AUDIT}-table").inputs
    assert table["tableName"] == "VaultAudit_CL" and table["workspaceName"] == "log-secrets-prod"
    assert table["plan"] == "Analytics"
    assert [(c["name"], c["type"]) for c in table["schema"]["columns"]] == list(TABLE_COLUMNS)
    rule = _one(azure_vault_capture, f"{AUDIT}-ingestion-rule")
    assert rule.inputs["dataCollectionRuleName"] == "secrets-prod-vault-audit"
    assert rule.inputs["streamDeclarations"] == {
        VAULT_AUDIT_STREAM: {"columns": [{"name": f, "type": t} for f, t in ENTRY_COLUMNS]}
    }
    assert rule.inputs["destinations"]["logAnalytics"][0]["workspaceResourceId"].endswith(
        "/workspaces/log-secrets-prod"
    )
    assert rule.inputs["dataFlows"] == [
        {
            "streams": [VAULT_AUDIT_STREAM],
            "destinations": ["audit"],
            "transformKql": ENTRY_TRANSFORM,
            "outputStream": VAULT_AUDIT_STREAM,
        }
    ]
    endpoint = _one(azure_vault_capture, f"{AUDIT}-ingestion-endpoint").inputs
    assert rule.inputs["dataCollectionEndpointId"].endswith(
        "/dataCollectionEndpoints/secrets-prod-vault-audit"
    )
    assert endpoint["networkAcls"] == {"publicNetworkAccess": "Enabled"}
    assert any(d.endswith(f"::{AUDIT}-table") for d in rule.dependencies), "the table exists first"


def test_the_transformation_makes_exactly_the_tables_columns() -> None:
    projected = [
        part.split("=", 1)[0].strip()
        for part in ENTRY_TRANSFORM.removeprefix("source | project ").split(", ")
    ]
    assert projected == [name for name, _ in TABLE_COLUMNS]


@pytest.mark.parametrize("role", ["vault-denied-access", "vault-unexpected-reader"])
def test_both_alerts_go_to_the_cloud_audits_action_group(azure_vault_capture: Capture, role: str) -> None:
    rule = _one(azure_vault_capture, f"{AUDIT}-{role}-alert").inputs
    assert rule["ruleName"] == f"secrets-prod-secrets-{role}"
    assert rule["actions"]["actionGroups"][0].endswith("/actionGroups/secrets-prod-secrets-audit")
    assert rule["scopes"][0].endswith("/workspaces/log-secrets-prod")
    assert rule["criteria"]["allOf"][0]["operator"] == "GreaterThanOrEqual"
    assert "VaultAudit_CL" in rule["criteria"]["allOf"][0]["query"]


def test_the_unexpected_reader_query_names_the_sync_roles(azure_vault_capture: Capture) -> None:
    rule = _one(azure_vault_capture, f"{AUDIT}-vault-unexpected-reader-alert").inputs
    query = rule["criteria"]["allOf"][0]["query"]
    assert json.loads(query.split("dynamic(", 1)[1].split(");", 1)[0]) == [
        "secrets-prod-orders-api-vault-sync",
        "secrets-prod-payments-api-vault-sync",
    ]
    assert '| where Path startswith "secrets-platform/data/"' in query


def test_no_aws_resource_on_azure(azure_vault_capture: Capture) -> None:
    assert not [r.name for r in azure_vault_capture.resources if r.type.startswith("aws:")]


def test_the_unexpected_reader_query_counts_reads_without_a_role() -> None:
    query = unexpected_reader_query("kv", ["b", "a", "b"])
    assert query.splitlines()[0] == 'let expected = dynamic(["a", "b"]);'
    # An empty Role (root or a person's token) is not in `expected`, so it counts.
    assert query.splitlines()[-1] == "| where Role !in (expected)"
    assert '| where EntryType == "response" and Operation == "read" and isempty(Error)' in query


def test_alerts_go_to_one_cloud() -> None:
    alerting = AlertingConfig(email="secops@example.com")
    args = VaultAuditArgs(
        audit=VaultAuditConfig(type="file", filePath="/vault/audit/a.log"),
        cluster_name="c",
        kv_mount="kv",
        expected_readers=[],
        aws_alerts=VaultAwsAlerts(
            aws=AwsConfig.model_validate(
                {
                    "accountId": "111122223333",
                    "operatorRoleArn": "arn:aws:iam::111122223333:role/ops",
                    "subnetIds": ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60719"],
                }
            ),
            region="eu-west-1",
            alarm_topic="arn:aws:sns:eu-west-1:111122223333:t",
            alerting=alerting,
            log_retention_days=30,
        ),
        azure_alerts=VaultAzureAlerts(
            resource_group_name="rg",
            region="westeurope",
            workspace_id="w",
            action_group_id="g",
            alerting=alerting,
        ),
    )
    assert "the Vault audit alerts go to one cloud: give aws_alerts or azure_alerts" in check_audit_args(args)
