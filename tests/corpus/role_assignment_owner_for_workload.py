"""A workload identity given Owner, on a single secret: the scope is narrow, the role is not."""

from __future__ import annotations

import pulumi_azure_native as azure_native

from tests.corpus._safe import SUBSCRIPTION, VAULT_ID

EXPECTED = {"azure-authorization-role-assignment-role"}


def program() -> None:
    azure_native.authorization.RoleAssignment(
        "owner",
        principal_id="827d95b6-0000-4000-8000-000000000001",
        principal_type="ServicePrincipal",
        role_definition_id=f"{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        scope=f"{VAULT_ID}/secrets/secrets-prod-orders-queue",
    )
