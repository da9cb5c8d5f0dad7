"""A Key Vault that lets Resource Manager retrieve its secrets into template deployments: whoever may
deploy against the vault reads any secret, outside the per-secret role assignments."""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

from tests.corpus._safe import audit_logs, vault_properties

EXPECTED = {"azure-keyvault-vault-platform-retrieval"}


def program() -> None:
    vault = azure_native.keyvault.Vault(
        "vault",
        vault_name="kv-deploys",
        resource_group_name="rg-secrets-prod",
        properties=vault_properties(enabled_for_template_deployment=True),
        opts=pulumi.ResourceOptions(protect=True),
    )
    audit_logs(vault, "vault", "AuditEvent")
