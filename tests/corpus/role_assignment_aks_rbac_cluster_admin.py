"""A workload identity given AKS RBAC Cluster Admin: every Secret of the cluster."""

from __future__ import annotations

import pulumi_azure_native as azure_native

from tests.corpus._safe import GROUP, SUBSCRIPTION

EXPECTED = {"azure-authorization-role-assignment-role"}


def program() -> None:
    azure_native.authorization.RoleAssignment(
        "cluster-admin",
        principal_id="827d95b6-0000-4000-8000-000000000001",
        principal_type="ServicePrincipal",
        role_definition_id=f"{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
        "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
        scope=f"{GROUP}/providers/Microsoft.ContainerService/managedClusters/secrets-prod",
    )
