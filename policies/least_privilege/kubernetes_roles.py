"""Kubernetes Roles and ClusterRoles, judged by what each rule effectively grants.

A rule is matched as the authorizer matches it (`_rbac.py`): wildcards in groups, resources and
verbs, and `*/<subresource>`, count for what they reach. What a role must never grant: Secrets
except `get` by name (never list or watch, never through a ClusterRole), a way into a running pod
(exec, attach, port-forward, ephemeral containers, the kubelet proxy), a way around RBAC itself
(escalate, bind, impersonate, CSR approval, admission webhooks), tokens of ServiceAccounts it does not
name, or, aggregated into the built-in roles, any of these. Messages name rules by index and verbs only
from Kubernetes' own vocabulary, never text of the rule.
"""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from policies._kubernetes import with_manifests
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
    CLUSTER_ROLE,
    ESCALATION,
    POD_EXEC,
    TOKEN_REQUEST,
    WORKLOAD_WRITE,
    grants,
    matched_verbs,
    named_only,
    rules,
    shown_verbs,
)

_CORE_GROUPS = ("", "*")


def reaches_secrets(rule: dict[str, Any]) -> bool:
    """A rule that applies to Secrets: core API group (or `*`) and `secrets` (or `*`) resources."""
    groups = as_list(rule.get("apiGroups"))
    resources = as_list(rule.get("resources"))
    in_core = any(g in _CORE_GROUPS for g in groups)
    return in_core and any(r == "*" or r == "secrets" or str(r).startswith("secrets/") for r in resources)


def _role_wildcards(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for i, rule in rules(args) or []:
        fields = [
            f for f in ("apiGroups", "resources", "verbs", "nonResourceURLs") if "*" in as_list(rule.get(f))
        ]
        if fields:
            report(
                message(
                    f"rules[{i}] uses '*' in {', '.join(fields)}",
                    "List the exact API groups, resources and verbs the subject needs",
                ),
                None,
            )


# Source: CIS Kubernetes Benchmark 5.1.3 ("Minimize wildcard use in Roles and ClusterRoles"); checkov
# CKV_K8S_49.
KUBERNETES_ROLE_WILDCARDS = ResourceValidationPolicy(
    name="kubernetes-role-wildcards",
    description="Roles and ClusterRoles must not use '*' in apiGroups, resources or verbs.",
    validate=with_manifests(_role_wildcards),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Replace each '*' with the exact API groups, resources and verbs needed.",
)


_UNNAMEABLE_VERBS = frozenset({"create"})
"""Verbs the authorizer cannot restrict by name (RBAC docs: create requests carry no name yet);
a rule of only these needs no resourceNames and reveals no value."""


def _role_secret_resource_names(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for i, rule in rules(args) or []:
        if not reaches_secrets(rule):
            continue
        names = rule.get("resourceNames")
        verbs = [v for v in as_list(rule.get("verbs")) if v not in _UNNAMEABLE_VERBS]
        if is_unknown(names) or not verbs:
            continue
        if not named_only(rule):
            shown = shown_verbs(verbs)
            report(
                message(
                    f"rules[{i}] allows {shown or 'its verbs'} on every Secret of its scope",
                    "Name the Secrets in resource_names, and keep create (which cannot be named) in a rule "
                    "of its own",
                ),
                None,
            )


# Source: CIS Kubernetes Benchmark 5.1.2 ("Minimize access to secrets").
KUBERNETES_ROLE_SECRET_RESOURCE_NAMES = ResourceValidationPolicy(
    name="kubernetes-role-secret-resource-names",
    description="Roles must reach Secrets only through resourceNames.",
    validate=with_manifests(_role_secret_resource_names),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Add resource_names listing exactly the Secrets the subject reads.",
)


def _role_secret_verbs(args: ResourceValidationArgs, report: ReportViolation) -> None:
    cfg = settings(args, KUBERNETES_ROLE_SECRET_VERBS.config_schema)
    for i, rule in rules(args) or []:
        if not reaches_secrets(rule):
            continue
        forbidden = cfg["forbiddenVerbs"]
        verbs = sorted({v for v in forbidden if v in as_list(rule.get("verbs"))})
        if verbs:
            report(
                message(
                    f"rules[{i}] allows {', '.join(verbs)} on Secrets, which returns every Secret's values",
                    "Grant get on named Secrets instead",
                ),
                None,
            )


# Source: Kubernetes docs, "Good practices for Kubernetes Secrets" (list and watch return the values).
KUBERNETES_ROLE_SECRET_VERBS = ResourceValidationPolicy(
    name="kubernetes-role-secret-verbs",
    description="Roles must not list or watch Secrets.",
    validate=with_manifests(_role_secret_verbs),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        forbiddenVerbs=string_list(["list", "watch", "*"], "Verbs never allowed on Secrets.")
    ),
    remediation_steps="Remove list and watch on secrets; grant get with resource_names.",
)


def _clusterrole_secrets(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != CLUSTER_ROLE:
        return
    cfg = settings(args, KUBERNETES_CLUSTERROLE_SECRETS.config_schema)
    name = dig(plain(args.props), "metadata", "name")
    if name in cfg["allowList"]:
        return
    for i, rule in rules(args) or []:
        if reaches_secrets(rule):
            report(
                message(
                    f"rules[{i}] reaches Secrets in every namespace",
                    "Move the rule to a namespaced Role next to the Secrets it names",
                ),
                None,
            )


# Source: CIS Kubernetes Benchmark 5.1.2 ("Minimize access to secrets").
KUBERNETES_CLUSTERROLE_SECRETS = ResourceValidationPolicy(
    name="kubernetes-clusterrole-secrets",
    description="ClusterRoles must not reach Secrets.",
    validate=with_manifests(_clusterrole_secrets),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        allowList=string_list([], "Names of ClusterRoles allowed to reach Secrets (none by default).")
    ),
    remediation_steps="Use a namespaced Role with resource_names instead of a ClusterRole.",
)


def _report_permissions(
    args: ResourceValidationArgs, report: ReportViolation, permissions: tuple, finding: str, fix: str
) -> None:
    for i, rule in rules(args) or []:
        reached = sorted(
            {f"{v} on {p.resource}" for p in permissions for v in matched_verbs(rule, p)},
        )
        if reached:
            report(message(f"rules[{i}] allows {'; '.join(reached)}, {finding}", fix), None)


def _role_pod_exec(args: ResourceValidationArgs, report: ReportViolation) -> None:
    _report_permissions(
        args,
        report,
        POD_EXEC,
        "a way into running pods and every Secret they mount",
        "Remove the rule; debug with logs and metrics, or give operators exec through a short-lived, "
        "audited break-glass role outside the stack",
    )


# Source: CIS Kubernetes Benchmark 5.1.x (RBAC minimization); Kubernetes docs, "RBAC good practices:
# Escalation risks" (exec into pods reaches mounted Secrets); kics c589f42c ("RBAC Roles with Exec
# Permission").
KUBERNETES_ROLE_POD_EXEC = ResourceValidationPolicy(
    name="kubernetes-role-pod-exec",
    description="Roles must not allow exec, attach, port-forward, ephemeral containers or the kubelet proxy.",
    validate=with_manifests(_role_pod_exec),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Remove pods/exec, pods/attach, pods/portforward, pods/ephemeralcontainers and "
    "nodes/proxy from the role (and the '*' that reaches them).",
)


def _role_privilege_escalation(args: ResourceValidationArgs, report: ReportViolation) -> None:
    _report_permissions(
        args,
        report,
        ESCALATION,
        "which lets the subject act with permissions it does not hold, Secrets included",
        "Remove escalate, bind, impersonate, CSR approval and webhook configuration writes from the role",
    )


# Source: Kubernetes docs, "RBAC good practices: Escalation risks" (escalate, bind, impersonate, CSR
# signing, admission webhooks); CIS Kubernetes Benchmark 5.1.8 ("Limit use of the Bind, Impersonate and
# Escalate permissions").
KUBERNETES_ROLE_PRIVILEGE_ESCALATION = ResourceValidationPolicy(
    name="kubernetes-role-privilege-escalation",
    description="Roles must not allow escalate, bind, impersonate, CSR approval or admission webhook writes.",
    validate=with_manifests(_role_privilege_escalation),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(),
    remediation_steps="Remove the escalation verbs from the role.",
)


def _role_serviceaccount_token(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for i, rule in rules(args) or []:
        if not grants(rule, TOKEN_REQUEST) or is_unknown(rule.get("resourceNames")):
            continue
        if not named_only(rule):
            report(
                message(
                    f"rules[{i}] allows creating tokens for every ServiceAccount of its scope, so the subject "
                    "can act as any of them",
                    "Name the one ServiceAccount whose token is needed in resource_names",
                ),
                None,
            )


# Source: Kubernetes docs, "RBAC good practices: Escalation risks" (token request); the platform's own
# use is one named ServiceAccount per External Secrets store (components/kubernetes/external_secrets).
KUBERNETES_ROLE_SERVICEACCOUNT_TOKEN = ResourceValidationPolicy(
    name="kubernetes-role-serviceaccount-token",
    description="Roles must name in resourceNames each ServiceAccount whose tokens they let a subject create.",
    validate=with_manifests(_role_serviceaccount_token),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Add resource_names with the one ServiceAccount whose token the subject requests.",
)


AGGREGATE_LABEL = re.compile(r"^rbac\.authorization\.k8s\.io/aggregate-to-")
"""Labels the built-in aggregated roles select (`aggregate-to-admin`, `-edit`, `-view`; RBAC docs,
"Aggregated ClusterRoles")."""


def sensitive(rule: dict[str, Any]) -> bool:
    """Whether a rule grants any path to a Secret's value."""
    return (
        reaches_secrets(rule)
        or grants(rule, POD_EXEC)
        or grants(rule, ESCALATION)
        or grants(rule, WORKLOAD_WRITE)
        or (grants(rule, TOKEN_REQUEST) and not named_only(rule))
    )


def _clusterrole_aggregation(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != CLUSTER_ROLE:
        return
    props = plain(args.props)
    if unknown_at(props, "metadata", "labels") or unknown_at(props, "aggregationRule"):
        return
    labels = dig(props, "metadata", "labels")
    aggregated = isinstance(labels, dict) and any(
        AGGREGATE_LABEL.match(str(k)) and str(v).lower() == "true" for k, v in labels.items()
    )
    if aggregated:
        for i, rule in rules(args) or []:
            if sensitive(rule):
                report(
                    message(
                        f"rules[{i}] reaches Secrets (or a way to them) and the role aggregates into the "
                        "built-in admin, edit or view roles, so every subject bound to those gets it too",
                        "Remove the aggregate-to-* label, or move the rule to a role bound to its subjects only",
                    ),
                    None,
                )
    rule_ = props.get("aggregationRule")
    if not isinstance(rule_, dict):
        return
    selectors = as_list(rule_.get("clusterRoleSelectors"))
    for i, selector in enumerate(selectors):
        if not isinstance(selector, dict):
            continue
        match_labels = selector.get("matchLabels")
        keys = [str(k) for k in match_labels] if isinstance(match_labels, dict) else []
        if selector.get("matchExpressions") or not keys or any(AGGREGATE_LABEL.match(k) for k in keys):
            report(
                message(
                    f"aggregationRule.clusterRoleSelectors[{i}] selects roles the stack does not declare (the "
                    "built-in aggregation labels, expressions or every ClusterRole), so the role's rules, "
                    "Secrets included, are decided outside the stack",
                    "Select by a label only the stack's own ClusterRoles carry, or list the rules directly",
                ),
                None,
            )


# Source: Kubernetes docs, "Using RBAC Authorization: Aggregated ClusterRoles" (the controller copies
# the rules of every ClusterRole matching the selector into the aggregated role; the built-in admin,
# edit and view roles aggregate labels rbac.authorization.k8s.io/aggregate-to-*).
KUBERNETES_CLUSTERROLE_AGGREGATION = ResourceValidationPolicy(
    name="kubernetes-clusterrole-aggregation",
    description="ClusterRoles must not aggregate paths to Secrets into other roles, nor aggregate roles "
    "the stack does not declare.",
    validate=with_manifests(_clusterrole_aggregation),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Drop aggregate-to-* labels from roles that reach Secrets; select only the stack's "
    "own ClusterRoles in aggregationRule.",
)


POLICIES = [
    KUBERNETES_ROLE_WILDCARDS,
    KUBERNETES_ROLE_SECRET_RESOURCE_NAMES,
    KUBERNETES_ROLE_SECRET_VERBS,
    KUBERNETES_CLUSTERROLE_SECRETS,
    KUBERNETES_ROLE_POD_EXEC,
    KUBERNETES_ROLE_PRIVILEGE_ESCALATION,
    KUBERNETES_ROLE_SERVICEACCOUNT_TOKEN,
    KUBERNETES_CLUSTERROLE_AGGREGATION,
]
