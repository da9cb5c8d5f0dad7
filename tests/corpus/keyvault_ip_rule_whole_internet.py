"""A Key Vault that denies by default, then admits 0.0.0.0/0 through an ip rule."""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

from tests.corpus._safe import audit_logs, vault_properties

EXPECTED = {"azure-keyvault-vault-network-acls"}


def program() -> None:
    vault = azure_native.keyvault.Vault(
        "vault",
        vault_name="kv-open-rule",
        resource_group_name="rg-secrets-prod",
        properties=vault_properties(
            network_acls={
                "default_action": "Deny",
                "bypass": "AzureServices",
                "ip_rules": [{"value": "0.0.0.0/0"}],
            }
        ),
        opts=pulumi.ResourceOptions(protect=True),
    )
    audit_logs(vault, "vault", "AuditEvent")
