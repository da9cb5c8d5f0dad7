"""Kubernetes bindings and the objects that hand out credentials: who gets a role, and where.

A binding must not hand out a built-in role that reads Secrets (cluster-admin, admin, edit and the
system roles), name subjects other than ServiceAccounts and the operations team, or reach into
another namespace for its ServiceAccounts. A role that writes pod templates (or External Secrets
objects) in a namespace holding Secrets is a role that reads them: judged over the whole stack, since
it takes the role, its bindings and the namespace's contents together. And no Secret may hold a
legacy, never-expiring ServiceAccount token.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies._kubernetes import DeclaredObject, declared_objects, pod_spec, uses_secrets, with_manifests
from policies._support import (
    as_list,
    dig,
    is_unknown,
    message,
    plain,
    schema,
    settings,
    string_list,
    unknown_at,
)
from policies.least_privilege._rbac import (
    BINDING_KINDS,
    CLUSTER_ROLE,
    CLUSTER_ROLE_BINDING,
    ROLE,
    ROLE_BINDING,
    WORKLOAD_WRITE,
    grants,
    rules_of,
)

SUBJECT_KINDS = ("ServiceAccount", "User", "Group")
"""The subject kinds RBAC knows (RBAC API reference, Subject); a message names only these."""


def _binding(args: ResourceValidationArgs) -> dict[str, Any] | None:
    if args.resource_type not in BINDING_KINDS:
        return None
    return plain(args.props)


def _rolebinding_builtin_roles(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = _binding(args)
    if props is None or unknown_at(props, "roleRef", "name") or unknown_at(props, "roleRef", "kind"):
        return
    cfg = settings(args, KUBERNETES_ROLEBINDING_BUILTIN_ROLES.config_schema)
    if dig(props, "roleRef", "kind") != "ClusterRole":
        return
    role = dig(props, "roleRef", "name")
    matched = [p for p in cfg["forbiddenRoles"] if isinstance(role, str) and fnmatchcase(role, p)]
    if matched:
        report(
            message(
                f"The binding grants a built-in ClusterRole ({matched[0]}) that reads every Secret of its "
                "scope and runs pods as any ServiceAccount",
                "Bind a Role that grants only what the subjects need (get on named Secrets)",
            ),
            None,
        )


# Source: CIS Kubernetes Benchmark 5.1.1 ("Ensure that the cluster-admin role is only used where
# required"), 5.1.2 ("Minimize access to secrets"); Kubernetes docs, "Using RBAC Authorization:
# User-facing roles" (admin and edit read Secrets) and "Core component roles" (system:node,
# system:kube-controller-manager and the system:controller:* roles read Secrets). Operators get cluster
# admin from the cloud (EKS access policy, AKS admin group), never from a binding.
KUBERNETES_ROLEBINDING_BUILTIN_ROLES = ResourceValidationPolicy(
    name="kubernetes-rolebinding-builtin-roles",
    description="RoleBindings and ClusterRoleBindings must never grant a built-in ClusterRole that reads "
    "Secrets.",
    validate=with_manifests(_rolebinding_builtin_roles),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(
        forbiddenRoles=string_list(
            [
                "cluster-admin",
                "admin",
                "edit",
                "system:aggregate-to-admin",
                "system:aggregate-to-edit",
                "system:controller:*",
                "system:kube-controller-manager",
                "system:node",
                "system:masters",
            ],
            "Built-in ClusterRoles (fnmatch patterns) no binding may grant.",
        )
    ),
    remediation_steps="Bind a least-privilege Role instead of cluster-admin, admin, edit or a system role.",
)


def _rolebinding_subjects(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = _binding(args)
    if props is None:
        return
    cfg = settings(args, KUBERNETES_ROLEBINDING_SUBJECTS.config_schema)
    subjects = props.get("subjects")
    if is_unknown(subjects):
        return
    for i, subject in enumerate(as_list(subjects)):
        kind, name = dig(subject, "kind"), dig(subject, "name")
        if kind is None or name is None or kind == "ServiceAccount":
            continue
        if kind == "Group" and name in cfg["allowedOperatorGroups"]:
            continue
        shown = f"a {kind}" if kind in SUBJECT_KINDS else "a subject"
        report(
            message(
                f"subjects[{i}] is {shown}, neither a ServiceAccount nor an allowed operator group",
                "Bind a ServiceAccount, or add the group to allowedOperatorGroups in the policy config",
            ),
            None,
        )


# Source: CIS Kubernetes Benchmark 5.1.x (bind only what needs access); Kubernetes docs, "RBAC good
# practices" (avoid system:authenticated, system:unauthenticated and system:serviceaccounts groups).
KUBERNETES_ROLEBINDING_SUBJECTS = ResourceValidationPolicy(
    name="kubernetes-rolebinding-subjects",
    description="Bindings must name only ServiceAccounts and the allowed operator groups.",
    validate=with_manifests(_rolebinding_subjects),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        allowedOperatorGroups=string_list(
            [], "Kubernetes groups of the operations team that bindings may name."
        )
    ),
    remediation_steps="Bind ServiceAccounts, or the operations team's group listed in the policy config.",
)


def _rolebinding_subject_namespace(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != ROLE_BINDING:
        return
    props = plain(args.props)
    if unknown_at(props, "metadata", "namespace") or is_unknown(props.get("subjects")):
        return
    cfg = settings(args, KUBERNETES_ROLEBINDING_SUBJECT_NAMESPACE.config_schema)
    namespace = dig(props, "metadata", "namespace") or "default"
    for i, subject in enumerate(as_list(props.get("subjects"))):
        if dig(subject, "kind") != "ServiceAccount":
            continue
        other, name = dig(subject, "namespace"), dig(subject, "name")
        if is_unknown(other) or is_unknown(name) or not other or other == namespace:
            continue  # an unset namespace is the binding's own (RBAC API reference, Subject)
        if f"{other}:{name}" in cfg["allowedForeignServiceAccounts"]:
            continue
        report(
            message(
                f"subjects[{i}] is a ServiceAccount of another namespace, so whoever runs pods there gets the "
                "role's access to this namespace's Secrets",
                "Bind a ServiceAccount of the binding's own namespace, or list <namespace>:<name> in "
                "allowedForeignServiceAccounts when a controller needs it",
            ),
            None,
        )


# Source: Kubernetes docs, "RBAC good practices: Least privilege" (grant within the namespace); the
# allowed default is External Secrets' controller, which requests the token of a store's own
# ServiceAccount (components/kubernetes/external_secrets/secret_store.py).
KUBERNETES_ROLEBINDING_SUBJECT_NAMESPACE = ResourceValidationPolicy(
    name="kubernetes-rolebinding-subject-namespace",
    description="RoleBindings must name ServiceAccounts of their own namespace, except the listed controllers.",
    validate=with_manifests(_rolebinding_subject_namespace),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        allowedForeignServiceAccounts=string_list(
            ["external-secrets:external-secrets"],
            "ServiceAccounts (<namespace>:<name>) that RoleBindings of other namespaces may name: the "
            "External Secrets controller, which requests store ServiceAccount tokens.",
        )
    ),
    remediation_steps="Bind a ServiceAccount of the same namespace.",
)


SECRET_TYPE = re.compile(r"^kubernetes:core/v1:Secret(Patch)?$")
SERVICE_ACCOUNT_TOKEN = "kubernetes.io/service-account-token"


def _secret_service_account_token(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not SECRET_TYPE.match(args.resource_type):
        return
    if plain(args.props).get("type") == SERVICE_ACCOUNT_TOKEN:
        report(
            message(
                "The Secret asks the token controller for a ServiceAccount token that never expires and "
                "is readable by whoever may get Secrets in the namespace",
                "Delete the Secret; mount a projected serviceAccountToken volume (bound, expiring) or use the "
                "TokenRequest API",
            ),
            None,
        )


# Source: Kubernetes docs, "Service account tokens" ("Long-lived API tokens ... not recommended") and
# KEP-2799 (legacy ServiceAccount token cleanup); CIS Kubernetes Benchmark 5.1.6.
KUBERNETES_SECRET_SERVICE_ACCOUNT_TOKEN = ResourceValidationPolicy(
    name="kubernetes-secret-service-account-token",
    description="Secrets must never be legacy ServiceAccount tokens.",
    validate=with_manifests(_secret_service_account_token),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Use bound, expiring tokens (projected volumes or TokenRequest) instead.",
)


# --- the stack: writing pod templates where Secrets are ---------------------------------------------

_HOLDS_SECRETS = re.compile(
    r"^kubernetes:(core/v1:Secret(Patch)?|external-secrets\.io/[^:]+:(ExternalSecret|SecretStore|PushSecret)"
    r"|helm\.sh/v\d:(Release|Chart))$"
)
"""Kinds whose namespace holds Secrets: Secrets themselves, what External Secrets writes or reads there,
and Helm releases (which keep their own release Secrets and those of their charts)."""
_IDENTITY_ANNOTATIONS = ("eks.amazonaws.com/role-arn", "azure.workload.identity/client-id")
"""ServiceAccount annotations that give pods a cloud identity (EKS IRSA, Azure workload identity)."""


def secret_namespaces(objects: list[DeclaredObject]) -> set[str]:
    """Namespaces where the stack keeps Secrets, or something pods there could use to get them."""
    found: set[str] = set()
    bound_accounts = {
        (str(dig(s, "namespace") or o.namespace()), str(dig(s, "name")))
        for o in objects
        if o.resource_type in BINDING_KINDS
        for s in as_list(o.props.get("subjects"))
        if dig(s, "kind") == "ServiceAccount"
    }
    for obj in objects:
        kind = obj.resource_type
        namespace = obj.namespace()
        if kind.startswith("kubernetes:helm.sh/"):
            namespace = (
                obj.props.get("namespace") if isinstance(obj.props.get("namespace"), str) else "default"
            )
        if namespace is None:
            continue
        spec = pod_spec(kind, obj.props)
        annotations = dig(obj.props, "metadata", "annotations")
        if (
            _HOLDS_SECRETS.match(kind)
            or (spec is not None and uses_secrets(spec))
            or (
                kind == "kubernetes:core/v1:ServiceAccount"
                and (
                    (namespace, obj.name()) in bound_accounts
                    or (
                        isinstance(annotations, dict) and any(a in annotations for a in _IDENTITY_ANNOTATIONS)
                    )
                )
            )
        ):
            found.add(namespace)
    return found


def _grants_in(role: DeclaredObject, bindings: list[DeclaredObject]) -> tuple[list[DeclaredObject], bool]:
    """The bindings of a role, and whether the role is effective in every namespace."""
    kind = "ClusterRole" if role.resource_type == CLUSTER_ROLE else "Role"
    mine = [
        b
        for b in bindings
        if dig(b.props, "roleRef", "kind") == kind
        and dig(b.props, "roleRef", "name") == role.name()
        and (kind == "ClusterRole" or b.namespace() == role.namespace())
    ]
    return mine, any(b.resource_type == CLUSTER_ROLE_BINDING for b in mine)


def _stack_workload_write(args: StackValidationArgs, report: ReportViolation) -> None:
    cfg = settings(args, KUBERNETES_ROLE_WORKLOAD_WRITE.config_schema)
    objects = declared_objects(args.resources)
    holding = secret_namespaces(objects)
    bindings = [o for o in objects if o.resource_type in BINDING_KINDS]
    for role in objects:
        writes = [
            i for i, rule in rules_of(role.resource_type, role.props) or [] if grants(rule, WORKLOAD_WRITE)
        ]
        if not writes or role.namespace() is None:
            continue
        mine, everywhere = _grants_in(role, bindings)
        subjects = [s for b in mine for s in as_list(b.props.get("subjects"))]
        if subjects and all(
            dig(s, "kind") == "Group" and dig(s, "name") in cfg["allowedOperatorGroups"] for s in subjects
        ):
            continue  # the operations team restarts workloads (rollout restart patches the template)
        if role.resource_type == ROLE:
            where = {role.namespace()}
        else:
            where = {b.namespace() for b in mine if b.resource_type == ROLE_BINDING}
        reached = bool(holding) if everywhere else bool(where & holding)
        if reached:
            report(
                role.located(
                    message(
                        f"rules[{writes[0]}] writes pod templates (or External Secrets objects) in a namespace "
                        "that holds Secrets, so its subjects can mount any of them and run as any "
                        "ServiceAccount there",
                        "Leave workload changes to the deployment pipeline; if the subjects are the operations "
                        "team, list their group in allowedOperatorGroups",
                    )
                ),
                role.resource.urn,
            )


# Source: Kubernetes docs, "RBAC good practices: Workload creation" ("Users with permission to create
# workloads in a namespace ... can access Secrets in that namespace"); CIS Kubernetes Benchmark 5.1.4
# ("Minimize access to create pods").
KUBERNETES_ROLE_WORKLOAD_WRITE = StackValidationPolicy(
    name="kubernetes-role-workload-write",
    description="Roles must not create or change pod templates or External Secrets objects in a namespace "
    "that holds Secrets, except for the operations team.",
    validate=_stack_workload_write,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        allowedOperatorGroups=string_list(
            [], "Kubernetes groups of the operations team, who may restart workloads where Secrets are."
        )
    ),
    remediation_steps="Remove create, update and patch on pods and workloads from roles bound where Secrets "
    "are; let the pipeline deploy.",
)


POLICIES = [
    KUBERNETES_ROLEBINDING_BUILTIN_ROLES,
    KUBERNETES_ROLEBINDING_SUBJECTS,
    KUBERNETES_ROLEBINDING_SUBJECT_NAMESPACE,
    KUBERNETES_ROLE_WORKLOAD_WRITE,
    KUBERNETES_SECRET_SERVICE_ACCOUNT_TOKEN,
]
