"""A separate vault access policy resource, granting get and list on every secret of a vault."""

from __future__ import annotations

import pulumi_azure_native as azure_native

EXPECTED = {"azure-keyvault-vault-rbac"}


def program() -> None:
    azure_native.keyvault.AccessPolicy(
        "reader",
        resource_group_name="rg-secrets-prod",
        vault_name="kv-secrets-prod-weu",
        policy={
            "tenant_id": "8f1c2a4e-1b2c-4d5e-8f90-1a2b3c4d5e6f",
            "object_id": "827d95b6-0000-4000-8000-000000000001",
            "permissions": {"secrets": ["get", "list"]},
        },
    )
