"""A Key Vault with soft delete switched off."""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

EXPECTED = {"azure-keyvault-soft-delete"}


def program() -> None:
    azure_native.keyvault.Vault(
        "vault",
        vault_name="kv-secrets-prod-weu",
        resource_group_name="rg-secrets-prod",
        properties={
            "tenant_id": "8f1c2a4e-1b2c-4d5e-8f90-1a2b3c4d5e6f",
            "sku": {"family": "A", "name": "premium"},
            "enable_soft_delete": False,
            "enable_purge_protection": True,
        },
        opts=pulumi.ResourceOptions(protect=True),
    )
