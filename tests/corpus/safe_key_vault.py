"""Passes: a Key Vault as the platform declares one, with a workload reading one of its secrets."""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

from tests.corpus._safe import SUBSCRIPTION, audit_logs, vault_properties

EXPECTED: set[str] = set()


def program() -> None:
    vault = azure_native.keyvault.Vault(
        "vault",
        vault_name="kv-ledger",
        resource_group_name="rg-secrets-prod",
        properties=vault_properties(),
        opts=pulumi.ResourceOptions(protect=True),
    )
    audit_logs(vault, "vault", "AuditEvent")
    azure_native.authorization.RoleAssignment(
        "ledger-read",
        principal_id="827d95b6-0000-4000-8000-000000000009",
        principal_type="ServicePrincipal",
        role_definition_id=f"{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
        "4633458b-17de-408a-b874-0445c86b69e6",
        scope=vault.id.apply(lambda v: f"{v}/secrets/ledger-db"),
    )
