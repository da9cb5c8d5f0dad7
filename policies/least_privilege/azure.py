"""Least privilege on Azure: workloads get a data role on one secret or key, and nothing that administers.

Role assignments are judged by their scope, parsed as an ARM ID (`_arm.py`), and by their role:
no administrator, owner or access-managing role for a workload, whatever the scope. Key Vaults
authorize with Azure RBAC, never vault access policies (which grant every secret of the vault and
which any vault contributor can rewrite). AKS clusters authenticate with Microsoft Entra ID and
authorize with Azure RBAC, with local accounts (a static admin kubeconfig) disabled.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from policies._support import (
    as_list,
    dig,
    is_unknown,
    message,
    plain,
    schema,
    settings,
    string_list,
    true_flag,
    unknown_at,
)
from policies.least_privilege._arm import parse_arm_id, role_definition_guid

ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
KEY_VAULT = "azure-native:keyvault:Vault"
KEY_VAULT_ACCESS_POLICY = "azure-native:keyvault:AccessPolicy"
AKS_CLUSTER = "azure-native:containerservice:ManagedCluster"
_VAULT_TYPES = ("microsoft.keyvault/vaults", "microsoft.keyvault/managedhsms")


def role_assignment_scope_kind(scope: str) -> str | None:
    """What a too-broad scope is (`a subscription`...), or None for one secret, key or other resource."""
    parsed = parse_arm_id(scope)
    if parsed is None:
        return "not a well-formed ARM resource ID"
    if parsed.level != "resource":
        return {"tenant": "the tenant root"}.get(parsed.level, f"a {parsed.level}")
    if parsed.types and parsed.types[0] in _VAULT_TYPES:
        if len(parsed.types) == 1:
            return "a whole Key Vault"
        if len(parsed.types) == 2 and parsed.types[1] in ("secrets", "keys"):
            return None
        return "a Key Vault object other than one secret or key"
    return None


def _operator(props: dict[str, Any], allowed: list[str]) -> bool:
    return props.get("principalType") == "Group" and props.get("principalId") in allowed


def _role_assignment_scope(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != ROLE_ASSIGNMENT:
        return
    cfg = settings(args, AZURE_AUTHORIZATION_ROLE_ASSIGNMENT_SCOPE.config_schema)
    props = plain(args.props)
    scope, principal = props.get("scope"), props.get("principalId")
    if not isinstance(scope, str) or any(
        is_unknown(v) for v in (scope, principal, props.get("principalType"))
    ):
        return
    if _operator(props, cfg["allowedOperatorPrincipalIds"]):
        return
    kind = role_assignment_scope_kind(scope)
    role = props.get("roleDefinitionId")
    allowed_roles = {r.lower() for r in cfg["allowedVaultScopedRoleIds"]}
    if kind == "a whole Key Vault" and (
        is_unknown(role) or (isinstance(role, str) and role_definition_guid(role) in allowed_roles)
    ):
        return
    if kind:
        report(
            message(
                f"The role assignment's scope is {kind}",
                "Scope it to the one secret or key the workload uses (…/vaults/<vault>/secrets/<name> or "
                "…/keys/<name>), or list the operator group in allowedOperatorPrincipalIds",
            ),
            None,
        )


# Source: Azure Key Vault docs, "Best practices: use RBAC at the scope of individual keys, secrets and
# certificates for applications"; Azure docs, "Resource ID format" (parsed, not searched).
AZURE_AUTHORIZATION_ROLE_ASSIGNMENT_SCOPE = ResourceValidationPolicy(
    name="azure-authorization-role-assignment-scope",
    description="Workload role assignments must be scoped to one secret or key, never a vault, group or "
    "subscription.",
    validate=_role_assignment_scope,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(
        allowedOperatorPrincipalIds=string_list(
            [], "Object ids of operator groups that may hold roles on wider scopes."
        ),
        # Key Vault Contributor manages the vault (management plane) and reads no key or secret of an
        # RBAC vault; AKS needs it on a private KMS vault to create the vault's private endpoint.
        allowedVaultScopedRoleIds=string_list(
            ["f25e0fa2-a7c8-4377-a976-54943a77a395"],
            "Role definition GUIDs without data access that a service principal may hold on a whole vault.",
        ),
    ),
    remediation_steps="Scope the assignment to a single secret or key id.",
)


FORBIDDEN_ROLES = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
    "00482a5a-887f-4fb3-b363-3b7fe8e74483": "Key Vault Administrator",
    "8b54135c-b56d-4d72-a534-26097cfdc8d8": "Key Vault Data Access Administrator",
    "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8": "Azure Kubernetes Service Cluster Admin Role",
    "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b": "Azure Kubernetes Service RBAC Cluster Admin",
    "3498e952-d568-435e-9b2c-8d77e338d7f7": "Azure Kubernetes Service RBAC Admin",
    "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb": "Azure Kubernetes Service RBAC Writer",
}
"""Built-in roles that administer, grant access, or read every Secret of a cluster (Azure built-in
roles reference: General, Security, Containers; the RBAC Writer reads Secrets and runs pods as any
ServiceAccount of its namespaces). Role definition IDs are the same in every tenant."""


def _role_assignment_role(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != ROLE_ASSIGNMENT:
        return
    cfg = settings(args, AZURE_AUTHORIZATION_ROLE_ASSIGNMENT_ROLE.config_schema)
    props = plain(args.props)
    role = props.get("roleDefinitionId")
    if any(is_unknown(v) for v in (role, props.get("principalId"), props.get("principalType"))):
        return
    if _operator(props, cfg["allowedOperatorPrincipalIds"]):
        return
    guid = role_definition_guid(role) if isinstance(role, str) else None
    forbidden = {r.lower() for r in cfg["forbiddenRoleIds"]}
    if guid in forbidden:
        report(
            message(
                f"The assignment gives a principal that is not an operator group the built-in role "
                f"{FORBIDDEN_ROLES.get(guid, guid)}, which administers or grants access instead of using one "
                "secret or key",
                "Assign a data role on the one object the workload uses (Key Vault Secrets User on a secret, "
                "Key Vault Crypto User on a key)",
            ),
            None,
        )


# Source: Azure RBAC docs, "Best practices for Azure RBAC" (least privilege; limit privileged
# administrator role assignments); Microsoft cloud security benchmark PA-1, PA-7.
AZURE_AUTHORIZATION_ROLE_ASSIGNMENT_ROLE = ResourceValidationPolicy(
    name="azure-authorization-role-assignment-role",
    description="Role assignments must never give a workload an owner, contributor, administrator or "
    "access-managing role.",
    validate=_role_assignment_role,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(
        forbiddenRoleIds=string_list(
            sorted(FORBIDDEN_ROLES),
            "Role definition GUIDs never assigned to a workload: "
            + ", ".join(FORBIDDEN_ROLES[k] for k in sorted(FORBIDDEN_ROLES))
            + ".",
        ),
        allowedOperatorPrincipalIds=string_list(
            [], "Object ids of operator groups that may hold these roles."
        ),
    ),
    remediation_steps="Assign a data-plane role on the single secret or key instead.",
)


def _keyvault_rbac(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == KEY_VAULT_ACCESS_POLICY:
        report(
            message(
                "A vault access policy grants its permissions on every secret, key or certificate of the vault",
                "Remove the access policy and assign an RBAC data role on the one secret or key instead",
            ),
            None,
        )
        return
    if args.resource_type != KEY_VAULT:
        return
    props = plain(args.props)
    if unknown_at(props, "properties", "enableRbacAuthorization") or unknown_at(
        props, "properties", "accessPolicies"
    ):
        return
    if dig(props, "properties", "enableRbacAuthorization") is not True:
        report(
            message(
                "The vault authorizes with access policies instead of Azure RBAC, so no grant can be narrower "
                "than the whole vault and any vault contributor can grant itself every secret",
                "Set properties.enable_rbac_authorization=True and assign data roles per secret or key",
            ),
            None,
        )
    if as_list(dig(props, "properties", "accessPolicies")):
        report(
            message(
                "properties.accessPolicies grants permissions on every object of the vault",
                "Remove the access policies and assign RBAC data roles per secret or key",
            ),
            None,
        )


# Source: Azure Key Vault docs, "Azure role-based access control vs. access policies" (access policies
# cannot be scoped to one object; Key Vault Contributor can grant itself data access in the access policy
# model); Microsoft cloud security benchmark PA-7 (least privilege).
AZURE_KEYVAULT_VAULT_RBAC = ResourceValidationPolicy(
    name="azure-keyvault-vault-rbac",
    description="Key Vaults must authorize with Azure RBAC, never with vault access policies.",
    validate=_keyvault_rbac,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Set enable_rbac_authorization=True, remove access policies, assign per-object roles.",
)


PLATFORM_RETRIEVAL = {
    "enabledForDeployment": "virtual machines retrieve certificates stored as secrets",
    "enabledForTemplateDeployment": "Resource Manager retrieves secrets into template deployments",
    "enabledForDiskEncryption": "Azure Disk Encryption retrieves secrets and unwraps keys",
}
"""Vault switches that let an Azure service read secrets outside the vault's role assignments
(azure-native `VaultProperties`; each is false by default)."""


def _keyvault_platform_retrieval(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != KEY_VAULT:
        return
    allowed = set(settings(args, AZURE_KEYVAULT_VAULT_PLATFORM_RETRIEVAL.config_schema)["allowedSwitches"])
    props = plain(args.props)
    for switch, what in PLATFORM_RETRIEVAL.items():
        if switch in allowed or unknown_at(props, "properties", switch):
            continue
        if true_flag(dig(props, "properties", switch)):
            report(
                message(
                    f"properties.{switch} is on: {what}, for anyone who may deploy to or attach to the vault, "
                    "outside its per-secret role assignments",
                    f"Leave properties.{switch} unset (false)",
                ),
                None,
            )


# Source: Azure Key Vault REST reference, VaultProperties (enabledForDeployment, enabledForDiskEncryption,
# enabledForTemplateDeployment: which Azure services may retrieve secrets); Azure docs, "Use Azure Key
# Vault to pass secure parameter value during deployment" (template deployment reads any secret of the
# vault for whoever holds Microsoft.KeyVault/vaults/deploy/action).
AZURE_KEYVAULT_VAULT_PLATFORM_RETRIEVAL = ResourceValidationPolicy(
    name="azure-keyvault-vault-platform-retrieval",
    description="Key Vaults must not let Azure services retrieve their secrets outside role assignments.",
    validate=_keyvault_platform_retrieval,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        allowedSwitches={
            "type": "array",
            "items": {"type": "string", "enum": sorted(PLATFORM_RETRIEVAL)},
            "default": [],
            "description": "Retrieval switches a stack documents as needed (none on the platform's vaults).",
        }
    ),
    remediation_steps="Unset enabled_for_deployment, enabled_for_template_deployment and "
    "enabled_for_disk_encryption.",
)


def _aks_props(args: ResourceValidationArgs) -> dict[str, Any] | None:
    return plain(args.props) if args.resource_type == AKS_CLUSTER else None


def _aks_local_accounts(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = _aks_props(args)
    if props is None or is_unknown(props.get("disableLocalAccounts")):
        return
    if props.get("disableLocalAccounts") is not True:
        report(
            message(
                "The cluster keeps local accounts, so `az aks get-credentials --admin` hands out a static "
                "cluster-admin credential that no Entra ID policy, MFA or audit identity covers",
                "Set disable_local_accounts=True (operators sign in with Entra ID)",
            ),
            None,
        )


# Source: AKS docs, "Manage local accounts with AKS-managed Microsoft Entra integration"; checkov
# CKV_AZURE_141 ("Ensure AKS local admin account is disabled").
AZURE_AKS_CLUSTER_LOCAL_ACCOUNTS = ResourceValidationPolicy(
    name="azure-aks-cluster-local-accounts",
    description="AKS clusters must disable local accounts.",
    validate=_aks_local_accounts,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(),
    remediation_steps="Set disable_local_accounts=True.",
)


def _aks_azure_rbac(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = _aks_props(args)
    if props is None or any(
        unknown_at(props, *path)
        for path in (("enableRBAC",), ("aadProfile", "managed"), ("aadProfile", "enableAzureRBAC"))
    ):
        return
    problems = []
    if props.get("enableRBAC") is False:
        problems.append("Kubernetes RBAC is off, so every authenticated user may read every Secret")
    if (
        dig(props, "aadProfile", "managed") is not True
        or dig(props, "aadProfile", "enableAzureRBAC") is not True
    ):
        problems.append(
            "the cluster does not authorize with Azure RBAC through AKS-managed Entra ID, so who may read "
            "Secrets is not governed (or audited) by role assignments"
        )
    for problem in problems:
        report(
            message(
                problem[0].upper() + problem[1:],
                "Set aad_profile={'managed': True, 'enable_azure_rbac': True, 'admin_group_object_ids': [...]} "
                "and leave enable_rbac on",
            ),
            None,
        )


# Source: AKS docs, "Use Azure role-based access control for Kubernetes Authorization"; checkov
# CKV_AZURE_5 ("Ensure RBAC is enabled on AKS clusters"); CIS AKS Benchmark 5.x.
AZURE_AKS_CLUSTER_AZURE_RBAC = ResourceValidationPolicy(
    name="azure-aks-cluster-azure-rbac",
    description="AKS clusters must keep Kubernetes RBAC on and authorize with Azure RBAC through managed "
    "Entra ID.",
    validate=_aks_azure_rbac,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Enable managed Entra ID with Azure RBAC (aad_profile.enable_azure_rbac).",
)


POLICIES = [
    AZURE_AUTHORIZATION_ROLE_ASSIGNMENT_SCOPE,
    AZURE_AUTHORIZATION_ROLE_ASSIGNMENT_ROLE,
    AZURE_KEYVAULT_VAULT_RBAC,
    AZURE_KEYVAULT_VAULT_PLATFORM_RETRIEVAL,
    AZURE_AKS_CLUSTER_LOCAL_ACCOUNTS,
    AZURE_AKS_CLUSTER_AZURE_RBAC,
]
