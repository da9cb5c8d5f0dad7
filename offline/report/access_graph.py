"""Who can read which secret in its store, answered from the plan (`offline.access` answers it for
Kubernetes RBAC and the mobile apps; this adds the cloud and Vault identities).

- Secrets Manager: IAM roles whose policies allow `secretsmanager:GetSecretValue` on a secret, and
  who may assume each role (the ServiceAccount named in an IRSA trust policy's `sub` condition, or the
  AWS service principal).
- Key Vault: role assignments of a role that reads secret values (Key Vault Secrets User, Secrets
  Officer, Administrator) on one secret or on the whole vault, and the ServiceAccount federated with
  the assigned identity (or the Entra ID group).
- Vault: policies with `read` on a KV data path, and the JWT auth roles (one ServiceAccount each)
  that issue tokens with them.

Rows have the same columns as `offline.access.access_report`. Pure functions of the plan.
"""

from __future__ import annotations

import json
import re
from typing import Any

from components.azure.foundation import (
    KEY_VAULT_ADMINISTRATOR,
    KEY_VAULT_SECRETS_OFFICER,
    KEY_VAULT_SECRETS_USER,
)
from offline.plan import Plan, Resource

READS_SECRETS_MANAGER = {"secretsmanager:GetSecretValue", "secretsmanager:*", "*"}
KEY_VAULT_READ_ROLES = {
    KEY_VAULT_SECRETS_USER: "Key Vault Secrets User",
    KEY_VAULT_SECRETS_OFFICER: "Key Vault Secrets Officer",
    KEY_VAULT_ADMINISTRATOR: "Key Vault Administrator",
}
"""Built-in roles whose data actions include reading secret values (Azure built-in roles reference)."""
_ARN_SECRET = re.compile(r"^arn:aws:secretsmanager:[^:]*:[^:]*:secret:(?P<name>.+?)(-[A-Za-z0-9]{6})?$")
_HCL_PATH = re.compile(r'path\s+"(?P<path>[^"]+)"\s*\{[^}]*capabilities\s*=\s*\[(?P<caps>[^\]]*)\]', re.S)


def _row(secret: str, kind: str, reader: str, through: str, verbs: list[str]) -> dict[str, Any]:
    return {"secret": secret, "reader_kind": kind, "reader": reader, "through": through, "verbs": verbs}


def _statements(policy: Any) -> list[dict[str, Any]]:
    try:
        doc = json.loads(policy) if isinstance(policy, str) else policy
    except ValueError:
        return []
    statements = (doc or {}).get("Statement") if isinstance(doc, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    return [s for s in statements or [] if isinstance(s, dict)]


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in (value if isinstance(value, list) else [value] if value else [])]


def _assumed_by(role: Resource) -> tuple[str, str]:
    """(reader kind, reader) of an IAM role, from its trust policy."""
    for statement in _statements(role.inputs.get("assumeRolePolicy")):
        principal = statement.get("Principal") or {}
        for condition in (statement.get("Condition") or {}).values():
            for key, value in (condition or {}).items():
                if key.endswith(":sub") and str(value).startswith("system:serviceaccount:"):
                    _, _, namespace, account = str(value).split(":", 3)
                    return "workload", f"{namespace}/{account}"
        services = _as_list(principal.get("Service")) if isinstance(principal, dict) else []
        if services:
            return "service", ", ".join(services)
    return "role", role.name


def aws_rows(plan: Plan, catalogue_names: dict[str, str]) -> list[dict[str, Any]]:
    """`catalogue_names`: store name (`<cluster>/<entry>`) -> the secret's label in the report."""
    roles = {r.urn: r for r in plan.resources if r.type == "aws:iam/role:Role"}
    policies: list[tuple[Resource, str, Any]] = []
    for role in roles.values():
        for inline in role.inputs.get("inlinePolicies") or []:
            policies.append((role, f"inline policy {inline.get('name')}", inline.get("policy")))
    for attached in (r for r in plan.resources if r.type == "aws:iam/rolePolicy:RolePolicy"):
        owners = attached.property_dependencies.get("role") or []
        role = next((roles[u] for u in owners if u in roles), None)
        if role is not None:
            policies.append((role, f"role policy {attached.name}", attached.inputs.get("policy")))
    rows = []
    for role, where, policy in policies:
        kind, reader = _assumed_by(role)
        for statement in _statements(policy):
            if statement.get("Effect") != "Allow" or not READS_SECRETS_MANAGER & set(
                _as_list(statement.get("Action"))
            ):
                continue
            for resource in _as_list(statement.get("Resource")):
                match = _ARN_SECRET.match(resource)
                if resource == "*":
                    secret = "secrets-manager/*"
                elif match:
                    name = match.group("name")
                    secret = catalogue_names.get(name, f"secrets-manager/{name}")
                else:
                    continue
                rows.append(_row(secret, kind, reader, f"IAM role {role.name} ({where})", ["GetSecretValue"]))
    return rows


def azure_rows(
    plan: Plan, catalogue_names: dict[str, str], group_names: dict[str, str]
) -> list[dict[str, Any]]:
    """`catalogue_names`: Key Vault secret name -> label; `group_names`: Entra ID object id -> name."""
    by_urn = plan.by_urn()
    federations = {
        str(r.inputs.get("resourceName")): str(r.inputs.get("subject"))
        for r in plan.resources
        if r.type == "azure-native:managedidentity:FederatedIdentityCredential"
    }
    rows = []
    for assignment in (r for r in plan.resources if r.type == "azure-native:authorization:RoleAssignment"):
        role_id = str(assignment.inputs.get("roleDefinitionId", "")).rsplit("/", 1)[-1]
        role = KEY_VAULT_READ_ROLES.get(role_id)
        scope = str(assignment.inputs.get("scope", ""))
        if role is None or "/providers/Microsoft.KeyVault/vaults/" not in scope:
            continue
        vault_part = scope.split("/providers/Microsoft.KeyVault/vaults/", 1)[1]
        vault_name, _, rest = vault_part.partition("/secrets/")
        secret = catalogue_names.get(rest, f"key-vault/{rest}") if rest else f"key-vault/{vault_name}/*"
        principal = str(assignment.inputs.get("principalId", ""))
        kind, reader = "identity", principal
        if assignment.inputs.get("principalType") == "Group":
            kind, reader = "group", group_names.get(principal, principal)
        else:
            identity = next(
                (by_urn[u] for u in assignment.property_dependencies.get("principalId") or [] if u in by_urn),
                None,
            )
            if identity is not None:
                name = str(identity.inputs.get("resourceName") or identity.name)
                subject = federations.get(name, "")
                if subject.startswith("system:serviceaccount:"):
                    _, _, namespace, account = subject.split(":", 3)
                    kind, reader = "workload", f"{namespace}/{account}"
                else:
                    reader = f"identity {name}"
        rows.append(_row(secret, kind, reader, f"{role} role assignment {assignment.name}", ["get"]))
    return rows


def vault_rows(plan: Plan, catalogue_names: dict[str, str]) -> list[dict[str, Any]]:
    """`catalogue_names`: KV data path (`<mount>/data/<cluster>/<entry>`) -> label."""
    readable: dict[str, list[str]] = {}
    for policy in (r for r in plan.resources if r.type == "vault:index/policy:Policy"):
        paths = [
            m.group("path")
            for m in _HCL_PATH.finditer(str(policy.inputs.get("policy", "")))
            if '"read"' in m.group("caps")
        ]
        readable[str(policy.inputs.get("name"))] = paths
    rows = []
    for role in (r for r in plan.resources if r.type == "vault:jwt/authBackendRole:AuthBackendRole"):
        subject = str(role.inputs.get("boundSubject", ""))
        reader = (
            subject.split(":", 2)[2].replace(":", "/", 1)
            if subject.startswith("system:serviceaccount:")
            else subject
        )
        for policy_name in role.inputs.get("tokenPolicies") or []:
            for path in readable.get(str(policy_name), []):
                secret = catalogue_names.get(path, f"vault/{path}")
                rows.append(
                    _row(
                        secret,
                        "workload",
                        reader,
                        f"Vault role {role.inputs.get('roleName')} (policy {policy_name})",
                        ["read"],
                    )
                )
    return rows
