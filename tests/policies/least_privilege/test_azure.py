"""Azure: role assignments by parsed scope and by role; Key Vault and AKS authorization."""

from __future__ import annotations

import pulumi_azure_native as azure_native
import pytest

from policies.least_privilege import (
    AZURE_AKS_CLUSTER_AZURE_RBAC,
    AZURE_AKS_CLUSTER_LOCAL_ACCOUNTS,
    AZURE_AUTHORIZATION_ROLE_ASSIGNMENT_ROLE,
    AZURE_AUTHORIZATION_ROLE_ASSIGNMENT_SCOPE,
    AZURE_KEYVAULT_VAULT_PLATFORM_RETRIEVAL,
    AZURE_KEYVAULT_VAULT_RBAC,
    role_assignment_scope_kind,
)
from policies.least_privilege._arm import parse_arm_id, role_definition_guid
from tests.policies.conftest import judge

SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-000000000000"
VAULT = f"{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
OPERATOR_GROUP = "3c9d1e2f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
KEY_VAULT_ADMINISTRATOR = "00482a5a-887f-4fb3-b363-3b7fe8e74483"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"


def _role_id(guid: str) -> str:
    return f"{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def _assignment(
    name: str,
    scope: str,
    principal_type: str = "ServicePrincipal",
    principal: str = "app",
    role: str = SECRETS_USER,
) -> None:
    azure_native.authorization.RoleAssignment(
        name,
        principal_id=principal,
        principal_type=principal_type,
        role_definition_id=_role_id(role) if len(role) == 36 else role,
        scope=scope,
    )


def test_role_assignment_scope() -> None:
    def body() -> None:
        _assignment("passed-1", f"{VAULT}/secrets/payments-db")
        _assignment("passed-2", f"{VAULT}/keys/cluster-secrets")
        _assignment("passed-3", VAULT, "Group", OPERATOR_GROUP)
        _assignment(
            "passed-4",
            f"{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr",
        )
        _assignment("failed-1", SUBSCRIPTION)
        _assignment("failed-2", f"{SUBSCRIPTION}/resourceGroups/rg")
        _assignment("failed-3", VAULT)
        _assignment("failed-4", VAULT, "Group", "another-group")
        # Substrings that once passed: a resource group named "secrets", a path that climbs back up.
        _assignment("failed-5", f"{SUBSCRIPTION}/resourceGroups/secrets/")
        _assignment("failed-6", f"{VAULT}/secrets/x/../..")
        _assignment("failed-7", f"{SUBSCRIPTION}/resourceGroups/keys")
        _assignment("failed-8", "subscriptions/00000000-0000-0000-0000-000000000000/secrets/x")
        _assignment("failed-9", f"{VAULT}/certificates/tls")
        _assignment("failed-10", "/providers/Microsoft.Management/managementGroups/root")

    judge(AZURE_AUTHORIZATION_ROLE_ASSIGNMENT_SCOPE, body, {"allowedOperatorPrincipalIds": [OPERATOR_GROUP]})


def test_role_assignment_scope_kinds() -> None:
    assert role_assignment_scope_kind("/") == "the tenant root"
    assert role_assignment_scope_kind(SUBSCRIPTION + "/") == "a subscription"
    assert role_assignment_scope_kind(VAULT.upper()) == "a whole Key Vault"
    assert role_assignment_scope_kind(f"{VAULT}/secrets/x") is None
    assert role_assignment_scope_kind(f"{SUBSCRIPTION}/resourceGroups/secrets") == "a resource group"


@pytest.mark.parametrize(
    ("text", "level", "types"),
    [
        (f"{VAULT}/secrets/a", "resource", ("microsoft.keyvault/vaults", "secrets")),
        (
            f"{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
            "resource",
            ("microsoft.network/virtualnetworks", "subnets"),
        ),
        (
            f"{VAULT}/providers/Microsoft.Insights/diagnosticSettings/d",
            "resource",
            ("microsoft.insights/diagnosticsettings",),
        ),
        (f"{SUBSCRIPTION}/resourceGroups/rg", "resource group", ()),
    ],
)
def test_arm_ids_are_parsed_by_structure(text: str, level: str, types: tuple) -> None:
    parsed = parse_arm_id(text)
    assert parsed is not None and (parsed.level, parsed.types) == (level, types)


@pytest.mark.parametrize(
    "text", ["", "subscriptions/x", f"{VAULT}/secrets", f"{VAULT}//secrets/a", f"{SUBSCRIPTION}/x/y"]
)
def test_malformed_arm_ids_are_refused(text: str) -> None:
    assert parse_arm_id(text) is None


def test_role_definition_guids() -> None:
    assert role_definition_guid(_role_id(OWNER.upper())) == OWNER
    assert role_definition_guid(OWNER) == OWNER
    assert role_definition_guid(f"{SUBSCRIPTION}/providers/Microsoft.Other/things/{OWNER}") is None


def test_role_assignment_role() -> None:
    def body() -> None:
        _assignment("passed-1", f"{VAULT}/secrets/a")
        _assignment("passed-2", VAULT, "Group", OPERATOR_GROUP, KEY_VAULT_ADMINISTRATOR)
        _assignment("failed-1", f"{VAULT}/secrets/a", role=KEY_VAULT_ADMINISTRATOR)
        _assignment("failed-2", f"{SUBSCRIPTION}/resourceGroups/rg", role=OWNER.upper())
        _assignment(
            "failed-3", f"{VAULT}/keys/k", role=f"/providers/Microsoft.Authorization/roleDefinitions/{OWNER}"
        )
        _assignment("failed-4", VAULT, "User", "someone", "b24988ac-6180-42a0-ab88-20f7382dd24c")
        _assignment("failed-5", VAULT, "Group", "another-group", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9")

    found = judge(
        AZURE_AUTHORIZATION_ROLE_ASSIGNMENT_ROLE, body, {"allowedOperatorPrincipalIds": [OPERATOR_GROUP]}
    )
    assert "Key Vault Administrator" in found["failed-1"][0]


def _vault(name: str, **properties: object) -> None:
    azure_native.keyvault.Vault(
        name,
        resource_group_name="rg",
        properties={"tenant_id": "t", "sku": {"family": "A", "name": "standard"}, **properties},
    )


def test_keyvault_vault_rbac() -> None:
    def body() -> None:
        _vault("passed-1", enable_rbac_authorization=True)
        _vault("failed-1")
        _vault("failed-2", enable_rbac_authorization=False)
        _vault(
            "failed-3",
            enable_rbac_authorization=True,
            access_policies=[{"tenant_id": "t", "object_id": "o", "permissions": {"secrets": ["get"]}}],
        )
        azure_native.keyvault.AccessPolicy(
            "failed-4",
            resource_group_name="rg",
            vault_name="kv",
            policy={"tenant_id": "t", "object_id": "o", "permissions": {"secrets": ["get", "list"]}},
        )

    judge(AZURE_KEYVAULT_VAULT_RBAC, body)


def _cluster(name: str, **changes: object) -> None:
    args: dict = {
        "resource_group_name": "rg",
        "dns_prefix": "c",
        "disable_local_accounts": True,
        "aad_profile": {"managed": True, "enable_azure_rbac": True},
        **changes,
    }
    azure_native.containerservice.ManagedCluster(name, **{k: v for k, v in args.items() if v is not None})


def test_aks_cluster_local_accounts() -> None:
    def body() -> None:
        _cluster("passed-1")
        _cluster("failed-1", disable_local_accounts=None)
        _cluster("failed-2", disable_local_accounts=False)

    judge(AZURE_AKS_CLUSTER_LOCAL_ACCOUNTS, body)


def test_aks_cluster_azure_rbac() -> None:
    def body() -> None:
        _cluster("passed-1")
        _cluster("failed-1", aad_profile=None)
        _cluster("failed-2", aad_profile={"managed": True, "enable_azure_rbac": False})
        _cluster("failed-3", enable_rbac=False)

    judge(AZURE_AKS_CLUSTER_AZURE_RBAC, body)


def test_keyvault_vault_platform_retrieval() -> None:
    def body() -> None:
        _vault("passed-1", enable_rbac_authorization=True)
        _vault("passed-2", enable_rbac_authorization=True, enabled_for_deployment=False)
        _vault("passed-3", enabled_for_disk_encryption=True)  # allowed by this test's config
        _vault("failed-1", enabled_for_template_deployment=True)
        _vault("failed-2", enabled_for_deployment=True)
        _vault("failed-3", enabled_for_deployment=True, enabled_for_template_deployment=True)
        _vault("failed-4", enabled_for_template_deployment="True")  # a string from raw config is on too

    found = judge(
        AZURE_KEYVAULT_VAULT_PLATFORM_RETRIEVAL, body, {"allowedSwitches": ["enabledForDiskEncryption"]}
    )
    assert len(found["failed-3"]) == 2 and "enabledForTemplateDeployment" in found["failed-1"][0]
