"""A Key Vault authorizing with access policies: a grant covers every secret of the vault."""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

from tests.corpus._safe import audit_logs, vault_properties

EXPECTED = {"azure-keyvault-vault-rbac"}


def program() -> None:
    vault = azure_native.keyvault.Vault(
        "vault",
        vault_name="kv-access-policies",
        resource_group_name="rg-secrets-prod",
        properties=vault_properties(
            enable_rbac_authorization=False,
            access_policies=[
                {
                    "tenant_id": "8f1c2a4e-1b2c-4d5e-8f90-1a2b3c4d5e6f",
                    "object_id": "827d95b6-0000-4000-8000-000000000001",
                    "permissions": {"secrets": ["get", "list"]},
                }
            ],
        ),
        opts=pulumi.ResourceOptions(protect=True),
    )
    audit_logs(vault, "vault", "AuditEvent")
