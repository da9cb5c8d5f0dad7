"""What a Kubernetes RBAC rule grants, matched as the API server's authorizer matches it.

`kubernetes/pkg/apis/rbac/v1/evaluation_helpers.go`: a rule matches a request when its `apiGroups`
hold the group or `*`, its `resources` hold the resource (`pods/exec` for a subresource), `*`, or
`*/<subresource>`, and its `verbs` hold the verb or `*`. `pods/*` is no pattern: it matches nothing
but a resource literally named so. `resourceNames` narrows a rule to named objects, except for the
verbs that carry no name (`create`, and `list`/`watch` over a collection).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pulumi_policy import ResourceValidationArgs

from policies._support import as_list, is_unknown, plain

ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role"
CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"
ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"
ROLE_KINDS = (ROLE, CLUSTER_ROLE)
BINDING_KINDS = (ROLE_BINDING, CLUSTER_ROLE_BINDING)

VERBS = (
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "impersonate",
    "escalate",
    "bind",
    "approve",
    "sign",
    "use",
    "*",
)
"""Verbs Kubernetes knows (API concepts, "Kubernetes API terminology"; RBAC docs for the special
ones). A message names a verb only when it is one of these, never the text a rule holds."""


@dataclass(frozen=True)
class Permission:
    """One (API group, resource, verbs) a rule may grant."""

    group: str
    resource: str
    verbs: tuple[str, ...]


def _group_matches(rule: dict[str, Any], group: str) -> bool:
    return any(g in ("*", group) for g in as_list(rule.get("apiGroups")))


def _resource_matches(rule: dict[str, Any], resource: str) -> bool:
    subresource = resource.split("/", 1)[1] if "/" in resource else ""
    for value in as_list(rule.get("resources")):
        if value in ("*", resource):
            return True
        if subresource and value == f"*/{subresource}":
            return True
    return False


def matched_verbs(rule: dict[str, Any], permission: Permission) -> list[str]:
    """The verbs of `permission` a rule grants (empty when it grants none of them)."""
    if not _group_matches(rule, permission.group) or not _resource_matches(rule, permission.resource):
        return []
    verbs = as_list(rule.get("verbs"))
    return [v for v in permission.verbs if "*" in verbs or v in verbs]


def named_only(rule: dict[str, Any]) -> bool:
    """Whether a rule names the objects it applies to (a non-empty `resourceNames` without `*`)."""
    names = as_list(rule.get("resourceNames"))
    return bool(names) and "*" not in names


def grants(rule: dict[str, Any], permissions: tuple[Permission, ...]) -> bool:
    return any(matched_verbs(rule, p) for p in permissions)


def rules_of(resource_type: str, props: dict[str, Any]) -> list[tuple[int, dict[str, Any]]] | None:
    """(index, rule) of a Role or ClusterRole; None for other kinds and unknown rules."""
    if resource_type not in ROLE_KINDS:
        return None
    rules = props.get("rules")
    if is_unknown(rules):
        return None
    return [(i, r) for i, r in enumerate(as_list(rules)) if isinstance(r, dict)]


def rules(args: ResourceValidationArgs) -> list[tuple[int, dict[str, Any]]] | None:
    if args.resource_type not in ROLE_KINDS:
        return None  # not a Role: its properties are not copied
    return rules_of(args.resource_type, plain(args.props))


def shown_verbs(values: list[Any]) -> str:
    """Verbs for a message: only those Kubernetes knows, so no text of the rule is repeated."""
    return ", ".join(sorted({str(v) for v in values if v in VERBS}))


# --- the paths to a Secret's value -------------------------------------------------------------

POD_EXEC = (
    Permission("", "pods/exec", ("create", "get")),
    Permission("", "pods/attach", ("create", "get")),
    Permission("", "pods/portforward", ("create", "get")),
    Permission("", "pods/ephemeralcontainers", ("update", "patch")),
    Permission("", "nodes/proxy", ("get", "create")),
)
"""Running commands in, attaching to or tunnelling into a pod reads every Secret it mounts. `get` counts:
WebSocket clients reach exec, attach and port-forward with a GET, authorized as `get`
(kubernetes-client/python#2084), and `get` on `nodes/proxy` reaches the kubelet's exec endpoint. An ephemeral container
joins a running pod with the same volumes."""

ESCALATION = (
    Permission("rbac.authorization.k8s.io", "roles", ("escalate", "bind")),
    Permission("rbac.authorization.k8s.io", "clusterroles", ("escalate", "bind")),
    Permission("", "users", ("impersonate",)),
    Permission("", "groups", ("impersonate",)),
    Permission("", "serviceaccounts", ("impersonate",)),
    Permission("authentication.k8s.io", "userextras/scopes", ("impersonate",)),
    Permission("authentication.k8s.io", "uids", ("impersonate",)),
    Permission("certificates.k8s.io", "certificatesigningrequests/approval", ("update", "patch")),
    Permission("certificates.k8s.io", "signers", ("approve", "sign")),
    Permission(
        "admissionregistration.k8s.io", "mutatingwebhookconfigurations", ("create", "update", "patch")
    ),
    Permission(
        "admissionregistration.k8s.io", "validatingwebhookconfigurations", ("create", "update", "patch")
    ),
)
"""Ways to act with permissions the subject does not hold (RBAC docs, "Privilege escalation
prevention and bootstrapping": escalate, bind, impersonate; "Certificate signing requests": approve),
or to see every object written (an admission webhook receives each Secret created)."""

TOKEN_REQUEST = (Permission("", "serviceaccounts/token", ("create",)),)
"""`create` on `serviceaccounts/token` mints a token of any ServiceAccount it names (TokenRequest API)."""

WORKLOAD_WRITE = (
    Permission("", "pods", ("create", "update", "patch")),
    Permission("", "replicationcontrollers", ("create", "update", "patch")),
    Permission("", "podtemplates", ("create", "update", "patch")),
    Permission("apps", "deployments", ("create", "update", "patch")),
    Permission("apps", "statefulsets", ("create", "update", "patch")),
    Permission("apps", "daemonsets", ("create", "update", "patch")),
    Permission("apps", "replicasets", ("create", "update", "patch")),
    Permission("batch", "jobs", ("create", "update", "patch")),
    Permission("batch", "cronjobs", ("create", "update", "patch")),
    Permission("external-secrets.io", "externalsecrets", ("create", "update", "patch")),
    Permission("external-secrets.io", "secretstores", ("create", "update", "patch")),
    Permission("external-secrets.io", "pushsecrets", ("create", "update", "patch")),
)
"""Who may write a pod template mounts any Secret of the namespace and runs as any of its
ServiceAccounts (RBAC docs, "Workload creation"); who may write an ExternalSecret or a SecretStore
copies whatever the namespace's store credentials reach into a Secret of their choosing."""
