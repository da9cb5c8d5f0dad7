"""A role assignment on a resource group named "secrets": by substring it looked like a secret scope,
by structure it is a whole resource group."""

from __future__ import annotations

import pulumi_azure_native as azure_native

from tests.corpus._safe import SUBSCRIPTION

EXPECTED = {"azure-authorization-role-assignment-scope"}


def program() -> None:
    azure_native.authorization.RoleAssignment(
        "read-everything",
        principal_id="827d95b6-0000-4000-8000-000000000001",
        principal_type="ServicePrincipal",
        role_definition_id=f"{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
        "4633458b-17de-408a-b874-0445c86b69e6",
        scope=f"{SUBSCRIPTION}/resourceGroups/secrets/",
    )
