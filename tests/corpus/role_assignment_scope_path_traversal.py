"""A scope that names a secret, then climbs back to the vault with `..`: not a well-formed ARM ID."""

from __future__ import annotations

import pulumi_azure_native as azure_native

from tests.corpus._safe import SUBSCRIPTION, VAULT_ID

EXPECTED = {"azure-authorization-role-assignment-scope"}


def program() -> None:
    azure_native.authorization.RoleAssignment(
        "climb",
        principal_id="827d95b6-0000-4000-8000-000000000001",
        principal_type="ServicePrincipal",
        role_definition_id=f"{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
        "4633458b-17de-408a-b874-0445c86b69e6",
        scope=f"{VAULT_ID}/secrets/secrets-prod-orders-queue/../..",
    )
