"""An AKS cluster still naming a KMS key version created 200 days ago, with its audit log collected."""

from __future__ import annotations

import time

import pulumi_azure_native as azure_native

EXPECTED = {"azure-aks-cluster-kms-key-version-age"}


def program() -> None:
    cluster = azure_native.containerservice.ManagedCluster(
        "cluster",
        resource_name_="aks-stale-key",
        resource_group_name="rg-secrets-prod",
        dns_prefix="aks-stale-key",
        # Entra ID with Azure RBAC, no local accounts, a restricted API server: only the flaw named is caught.
        disable_local_accounts=True,
        aad_profile={"managed": True, "enable_azure_rbac": True},
        api_server_access_profile={"authorized_ip_ranges": ["198.51.100.0/24"]},
        security_profile={
            "azure_key_vault_kms": {
                "enabled": True,
                "key_id": "https://kv-secrets-prod-weu.vault.azure.net/keys/secrets/0123456789abcdef",
                "key_vault_network_access": "Private",
                "key_vault_resource_id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/"
                "rg-secrets-prod/providers/Microsoft.KeyVault/vaults/kv-secrets-prod-weu",
            }
        },
        tags={"secrets-platform/kms-key-version-created": str(int(time.time()) - 200 * 86400)},
    )
    azure_native.operationalinsights.Workspace(
        "workspace", resource_group_name="rg-secrets-prod", retention_in_days=365
    )
    azure_native.monitor.DiagnosticSetting(
        "cluster-audit",
        resource_uri=cluster.id,
        workspace_id="/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-secrets-prod/"
        "providers/Microsoft.OperationalInsights/workspaces/log-secrets",
        logs=[{"category": "kube-audit", "enabled": True}],
    )
