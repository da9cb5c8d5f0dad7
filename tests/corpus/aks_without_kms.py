"""An AKS cluster without Key Vault KMS encryption of Secrets."""

from __future__ import annotations

import pulumi_azure_native as azure_native

EXPECTED = {"azure-aks-cluster-kms"}


def program() -> None:
    cluster = azure_native.containerservice.ManagedCluster(
        "cluster",
        resource_group_name="rg-secrets-prod",
        dns_prefix="secrets-prod",
        # Entra ID with Azure RBAC, no local accounts, a restricted API server: only the flaw named is caught.
        disable_local_accounts=True,
        aad_profile={"managed": True, "enable_azure_rbac": True},
        api_server_access_profile={"authorized_ip_ranges": ["198.51.100.0/24"]},
        security_profile={"workload_identity": {"enabled": True}},
    )

    # Its audit log is collected (azure-monitor-diagnostic-settings-audit), so only the flaw above is caught.
    azure_native.monitor.DiagnosticSetting(
        "cluster-audit",
        resource_uri=cluster.id,
        workspace_id="/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-secrets-prod/"
        "providers/Microsoft.OperationalInsights/workspaces/log-secrets",
        logs=[{"category": "kube-audit", "enabled": True}],
    )
