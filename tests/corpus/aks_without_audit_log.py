"""An AKS cluster (KMS on, a fresh key version) whose diagnostic setting leaves out the audit of reads."""

from __future__ import annotations

import time

import pulumi_azure_native as azure_native

EXPECTED = {"azure-monitor-diagnostic-settings-audit"}


def program() -> None:
    cluster = azure_native.containerservice.ManagedCluster(
        "cluster",
        resource_name_="aks-no-audit",
        resource_group_name="rg-secrets-prod",
        dns_prefix="aks-no-audit",
        # Entra ID with Azure RBAC, no local accounts, a restricted API server: only the flaw named is caught.
        disable_local_accounts=True,
        aad_profile={"managed": True, "enable_azure_rbac": True},
        api_server_access_profile={"authorized_ip_ranges": ["198.51.100.0/24"]},
        security_profile={
            "azure_key_vault_kms": {
                "enabled": True,
                "key_id": "https://kv-secrets-prod-weu.vault.azure.net/keys/secrets/0123456789abcdef",
            }
        },
        tags={"secrets-platform/kms-key-version-created": str(int(time.time()) - 86400)},
    )
    # kube-audit-admin leaves out get and list: the reads of Secrets are not recorded.
    azure_native.monitor.DiagnosticSetting(
        "cluster-audit",
        resource_uri=cluster.id,
        workspace_id="/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-secrets-prod/"
        "providers/Microsoft.OperationalInsights/workspaces/log-secrets",
        logs=[{"category": "kube-audit-admin", "enabled": True}],
    )
