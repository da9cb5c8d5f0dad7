"""A workload identity given Key Vault Secrets User on the whole subscription."""

from __future__ import annotations

import pulumi_azure_native as azure_native

EXPECTED = {"azure-authorization-role-assignment-scope"}


def program() -> None:
    azure_native.authorization.RoleAssignment(
        "payments-reader",
        principal_id="9a8b7c6d-0000-4000-8000-000000000001",
        principal_type="ServicePrincipal",
        role_definition_id=(
            "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/"
            "roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6"
        ),
        scope="/subscriptions/00000000-0000-0000-0000-000000000000",
    )
