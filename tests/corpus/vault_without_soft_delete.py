"""A Key Vault with soft delete switched off."""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

EXPECTED = {"azure-keyvault-soft-delete"}


def program() -> None:
    vault = azure_native.keyvault.Vault(
        "vault",
        vault_name="kv-secrets-prod-weu",
        resource_group_name="rg-secrets-prod",
        properties={
            "tenant_id": "8f1c2a4e-1b2c-4d5e-8f90-1a2b3c4d5e6f",
            "sku": {"family": "A", "name": "premium"},
            "enable_rbac_authorization": True,
            "enable_soft_delete": False,
            "enable_purge_protection": True,
            "network_acls": {"default_action": "Deny", "bypass": "None"},
        },
        opts=pulumi.ResourceOptions(protect=True),
    )

    # Its audit log is collected (azure-monitor-diagnostic-settings-audit), so only the flaw above is caught.
    azure_native.monitor.DiagnosticSetting(
        "vault-audit",
        resource_uri=vault.id,
        workspace_id="/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-secrets-prod/"
        "providers/Microsoft.OperationalInsights/workspaces/log-secrets",
        logs=[{"category": "AuditEvent", "enabled": True}],
    )
