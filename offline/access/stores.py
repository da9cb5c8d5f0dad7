"""Who reads the secrets in their stores: cloud identities, Vault roles, and the sync controller.

- Secrets Manager: IAM roles whose policies allow reading a secret's value, and who may assume each
  role: the ServiceAccount named in an IRSA trust policy's `sub` condition, the Lambda function that
  runs as it, or the AWS service principal.
- Key Vault: role assignments of a role that reads secret values on one secret or the whole vault,
  and who holds the identity: the ServiceAccount federated with it, the Function App that runs as
  it, or an Entra ID group (by the name the stack config gives it, with its object ID).
- Vault: policies with `read` on a KV data path, and the JWT auth roles that issue tokens with them.
- External Secrets: the controller reads a store secret as the ServiceAccount its SecretStore names,
  so each store row of such a ServiceAccount has a twin for the controller, through the store.

Store secrets are keyed by their name in the store; the catalogue entry comes from the secret's own
`secrets-platform/entry` tag or from the ExternalSecret that syncs it. Pure functions of the plan.
"""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

from components.azure.foundation import (
    KEY_VAULT_ADMINISTRATOR,
    KEY_VAULT_SECRETS_OFFICER,
    KEY_VAULT_SECRETS_USER,
)
from offline.access.model import (
    ALL,
    EXTERNAL_SECRET,
    KEY_VAULT,
    SECRET_STORE,
    SECRETS_MANAGER,
    VAULT,
    as_list,
    metadata,
    name_of,
    namespace_of,
    row,
)
from offline.plan import Plan, Resource

ENTRY_TAG = "secrets-platform/entry"
"""Tag of a store secret with its catalogue entry (components/*/secret_store.py)."""
SECRETS_MANAGER_READS = {"secretsmanager:GetSecretValue", "secretsmanager:*", "*"}
"""IAM actions that return a secret's value (Secrets Manager API reference, GetSecretValue)."""
KEY_VAULT_READ_ROLES = {
    KEY_VAULT_SECRETS_USER: "Key Vault Secrets User",
    KEY_VAULT_SECRETS_OFFICER: "Key Vault Secrets Officer",
    KEY_VAULT_ADMINISTRATOR: "Key Vault Administrator",
}
"""Built-in roles whose data actions include reading secret values (Azure built-in roles reference:
`Microsoft.KeyVault/vaults/secrets/getSecret/action`, or `Microsoft.KeyVault/vaults/*` for the
administrator)."""
_ARN_SECRET = re.compile(r"^arn:aws:secretsmanager:[^:]*:[^:]*:secret:(?P<name>.+?)(-[A-Za-z0-9]{6})?$")
_HCL_PATH = re.compile(r'path\s+"(?P<path>[^"]+)"\s*\{[^}]*capabilities\s*=\s*\[(?P<caps>[^\]]*)\]', re.S)
_SERVICE_ACCOUNT_SUBJECT = "system:serviceaccount:"


def _statements(policy: Any) -> list[dict[str, Any]]:
    try:
        doc = json.loads(policy) if isinstance(policy, str) else policy
    except ValueError:
        return []
    statements = doc.get("Statement") if isinstance(doc, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    return [s for s in statements or [] if isinstance(s, dict)]


def _strings(value: Any) -> list[str]:
    return [str(v) for v in as_list(value)]


def _service_account(subject: str) -> str | None:
    """`ns/name` of a `system:serviceaccount:ns:name` subject."""
    if not subject.startswith(_SERVICE_ACCOUNT_SUBJECT):
        return None
    namespace, _, account = subject[len(_SERVICE_ACCOUNT_SUBJECT) :].partition(":")
    return f"{namespace}/{account}"


def _secret_arn_name(arn: str) -> str | None:
    match = _ARN_SECRET.match(arn)
    return match.group("name") if match else None


def store_entries(plan: Plan) -> dict[str, dict[str, str]]:
    """Layer -> store key -> catalogue entry, from the store secrets' tags and the ExternalSecrets."""
    entries: dict[str, dict[str, str]] = {SECRETS_MANAGER: {}, KEY_VAULT: {}, VAULT: {}}
    stores = {(namespace_of(r), name_of(r)): r for r in plan.resources if r.type == SECRET_STORE}
    for r in plan.resources:
        inputs = r.inputs
        if r.type == "aws:secretsmanager/secret:Secret" and (inputs.get("tags") or {}).get(ENTRY_TAG):
            entries[SECRETS_MANAGER][str(inputs.get("name"))] = inputs["tags"][ENTRY_TAG]
        elif r.type == "azure-native:keyvault:Secret" and (inputs.get("tags") or {}).get(ENTRY_TAG):
            key = f"{inputs.get('vaultName')}/{inputs.get('secretName')}"
            entries[KEY_VAULT][key] = inputs["tags"][ENTRY_TAG]
        elif r.type == "vault:kv/secretV2:SecretV2":
            tag = ((inputs.get("customMetadata") or {}).get("data") or {}).get(ENTRY_TAG)
            if tag:
                entries[VAULT][f"{inputs.get('mount')}/data/{inputs.get('name')}"] = tag
        elif r.type == EXTERNAL_SECRET:
            entry = (metadata(r).get("labels") or {}).get("secrets-platform/secret")
            spec = inputs.get("spec") or {}
            store = stores.get((namespace_of(r), str((spec.get("secretStoreRef") or {}).get("name"))))
            if not entry or store is None:
                continue
            for item in as_list(spec.get("data")):
                key = str(((item or {}).get("remoteRef") or {}).get("key") or "")
                layer, store_key = _store_key(store, key)
                if layer and store_key:
                    entries[layer].setdefault(store_key, entry)
    return entries


def _store_key(store: Resource, remote_key: str) -> tuple[str | None, str | None]:
    """(layer, store key) of an ExternalSecret's remote key read through a SecretStore."""
    provider = ((store.inputs.get("spec") or {}).get("provider")) or {}
    if "aws" in provider:
        return SECRETS_MANAGER, _secret_arn_name(remote_key) or remote_key
    if "azurekv" in provider:
        vault = re.sub(r"^https://([^.]+)\..*$", r"\1", str(provider["azurekv"].get("vaultUrl") or ""))
        return KEY_VAULT, f"{vault}/{remote_key}"
    if "vault" in provider:
        return VAULT, f"{provider['vault'].get('path')}/data/{remote_key}"
    return None, None


def _store_row(
    layer: str, key: str, kind: str, reader: str, through: str, verbs: list[str], entries: dict
) -> dict:
    return row(key, layer, kind, reader, through, verbs, entries[layer].get(key))


def _assumed_by(role: Resource, functions: dict[str, str]) -> tuple[str, str]:
    """(reader kind, reader) of an IAM role: its IRSA ServiceAccount, its Lambda, or its service."""
    if role.urn in functions:
        return "function", functions[role.urn]
    for statement in _statements(role.inputs.get("assumeRolePolicy")):
        for condition in (statement.get("Condition") or {}).values():
            for key, value in (condition or {}).items():
                account = _service_account(str(value)) if str(key).endswith(":sub") else None
                if account:
                    return "workload", account
        principal = statement.get("Principal") or {}
        services = _strings(principal.get("Service")) if isinstance(principal, dict) else []
        if services:
            return "service", ", ".join(services)
    return "role", role.name


def aws_rows(plan: Plan, entries: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """IAM roles that may read Secrets Manager values, and who acts as each."""
    roles = {r.urn: r for r in plan.resources if r.type == "aws:iam/role:Role"}
    functions = {}
    for function in (r for r in plan.resources if r.type == "aws:lambda/function:Function"):
        for urn in function.property_dependencies.get("role") or []:
            functions[urn] = f"Lambda {function.inputs.get('name') or function.name}"
    policies: list[tuple[Resource, str, Any]] = []
    for role in roles.values():
        for inline in as_list(role.inputs.get("inlinePolicies")):
            policies.append((role, f"inline policy {inline.get('name')}", inline.get("policy")))
    for attached in (r for r in plan.resources if r.type == "aws:iam/rolePolicy:RolePolicy"):
        owner = next((roles[u] for u in attached.property_dependencies.get("role") or [] if u in roles), None)
        if owner is not None:
            policies.append((owner, f"role policy {attached.name}", attached.inputs.get("policy")))
    known = sorted(entries[SECRETS_MANAGER])
    rows = []
    for role, where, policy in policies:
        kind, reader = _assumed_by(role, functions)
        for statement in _statements(policy):
            actions = set(_strings(statement.get("Action")))
            if statement.get("Effect") != "Allow" or not SECRETS_MANAGER_READS & actions:
                continue
            verbs = sorted(
                a.removeprefix("secretsmanager:") for a in actions if a.startswith(("secretsmanager:", "*"))
            )
            for resource in _strings(statement.get("Resource")):
                name = ALL if resource == ALL else _secret_arn_name(resource)
                if name is None:
                    continue
                keys = [name]
                if ALL in name:
                    keys += [k for k in known if fnmatch.fnmatchcase(k, name)]
                for key in keys:
                    rows.append(
                        _store_row(
                            SECRETS_MANAGER,
                            key,
                            kind,
                            reader,
                            f"IAM role {role.name} ({where})",
                            verbs,
                            entries,
                        )
                    )
    return rows


def azure_rows(plan: Plan, entries: dict[str, dict[str, str]], names: dict[str, str]) -> list[dict[str, Any]]:
    """Key Vault role assignments that read secret values, and who holds each identity."""
    by_urn = plan.by_urn()
    federations = {
        str(r.inputs.get("resourceName")): str(r.inputs.get("subject"))
        for r in plan.resources
        if r.type == "azure-native:managedidentity:FederatedIdentityCredential"
    }
    apps = {}
    for app in (r for r in plan.resources if r.type == "azure-native:web:WebApp"):
        for identity in as_list((app.inputs.get("identity") or {}).get("userAssignedIdentities")):
            apps[str(identity).rsplit("/", 1)[-1]] = f"Function App {app.inputs.get('name') or app.name}"
    known = sorted(entries[KEY_VAULT])
    rows = []
    for assignment in (r for r in plan.resources if r.type == "azure-native:authorization:RoleAssignment"):
        role = KEY_VAULT_READ_ROLES.get(str(assignment.inputs.get("roleDefinitionId", "")).rsplit("/", 1)[-1])
        scope = str(assignment.inputs.get("scope", ""))
        if role is None or "/providers/Microsoft.KeyVault/vaults/" not in scope:
            continue
        vault, _, secret = scope.split("/providers/Microsoft.KeyVault/vaults/", 1)[1].partition("/secrets/")
        if "/" in vault:  # a key or a certificate, not secrets
            continue
        keys = (
            [f"{vault}/{secret}"]
            if secret
            else [f"{vault}/{ALL}", *(k for k in known if k.startswith(f"{vault}/"))]
        )
        principal = str(assignment.inputs.get("principalId", ""))
        kind, reader = "identity", principal
        if assignment.inputs.get("principalType") in ("Group", "User"):
            kind = str(assignment.inputs["principalType"]).lower()
            reader = f"{names[principal]} ({principal})" if principal in names else principal
        else:
            identity = next(
                (by_urn[u] for u in assignment.property_dependencies.get("principalId") or [] if u in by_urn),
                None,
            )
            if identity is not None:
                name = str(identity.inputs.get("resourceName") or identity.name)
                account = _service_account(federations.get(name, ""))
                if account:
                    kind, reader = "workload", account
                elif name in apps:
                    kind, reader = "function", f"{apps[name]} (identity {name})"
                else:
                    reader = f"identity {name}"
        for key in keys:
            rows.append(
                _store_row(
                    KEY_VAULT,
                    key,
                    kind,
                    reader,
                    f"{role} role assignment {assignment.name}",
                    ["getSecret"],
                    entries,
                )
            )
    return rows


def vault_rows(plan: Plan, entries: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Vault JWT roles whose policies read a KV data path, and the ServiceAccount each is bound to."""
    readable: dict[str, list[str]] = {}
    for policy in (r for r in plan.resources if r.type == "vault:index/policy:Policy"):
        readable[str(policy.inputs.get("name"))] = [
            m.group("path")
            for m in _HCL_PATH.finditer(str(policy.inputs.get("policy", "")))
            if '"read"' in m.group("caps")
        ]
    rows = []
    for role in (r for r in plan.resources if r.type == "vault:jwt/authBackendRole:AuthBackendRole"):
        subject = str(role.inputs.get("boundSubject", ""))
        reader = _service_account(subject) or subject
        for policy_name in _strings(role.inputs.get("tokenPolicies")):
            for path in readable.get(policy_name, []):
                through = f"Vault role {role.inputs.get('roleName')} (policy {policy_name})"
                rows.append(_store_row(VAULT, path, "workload", reader, through, ["read"], entries))
    return rows


def _store_account(store: Resource) -> str | None:
    """The ServiceAccount a SecretStore authenticates as (`serviceAccountRef.name`, any provider)."""

    def find(node: Any) -> str | None:
        if isinstance(node, dict):
            ref = node.get("serviceAccountRef")
            if isinstance(ref, dict) and ref.get("name"):
                return str(ref["name"])
            for value in node.values():
                found = find(value)
                if found:
                    return found
        return None

    name = find((store.inputs.get("spec") or {}).get("provider"))
    return f"{namespace_of(store)}/{name}" if name else None


def sync_rows(plan: Plan, store_rows: list[dict[str, Any]], controller: str) -> list[dict[str, Any]]:
    """The External Secrets controller reads, through each SecretStore, what its ServiceAccount may."""
    by_account: dict[str, list[Resource]] = {}
    for store in (r for r in plan.resources if r.type == SECRET_STORE):
        account = _store_account(store)
        if account:
            by_account.setdefault(account, []).append(store)
    rows = []
    for found in store_rows:
        if found["reader_kind"] != "workload":
            continue
        for store in by_account.get(found["reader"], []):
            through = (
                f"SecretStore {namespace_of(store)}/{name_of(store)} as {found['reader']}; {found['through']}"
            )
            rows.append({**found, "reader_kind": "controller", "reader": controller, "through": through})
    return rows
