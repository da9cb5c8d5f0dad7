"""A Key Vault whose firewall admits every network."""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

EXPECTED = {"azure-keyvault-vault-network-acls", "azure-monitor-diagnostic-settings-audit"}


def program() -> None:
    azure_native.keyvault.Vault(
        "vault",
        vault_name="kv-open",
        resource_group_name="rg-secrets-prod",
        properties={
            "tenant_id": "8f1c2a4e-1b2c-4d5e-8f90-1a2b3c4d5e6f",
            "sku": {"family": "A", "name": "premium"},
            "enable_rbac_authorization": True,
            "enable_soft_delete": True,
            "soft_delete_retention_in_days": 90,
            "enable_purge_protection": True,
            "network_acls": {"default_action": "Allow", "bypass": "AzureServices"},
        },
        opts=pulumi.ResourceOptions(protect=True),
    )
