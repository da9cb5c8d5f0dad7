"""Least privilege: who may read a secret is exactly who needs it, and nobody else.

Kubernetes RBAC: no wildcards, Secrets only by name, never listed or watched, never through a
ClusterRole, never bound to cluster-admin, bound only to ServiceAccounts and the operations team.
AWS IAM: no wildcard on Secrets Manager or KMS, and web identity roles pinned to one ServiceAccount.
AWS S3: every bucket (the audit trail's evidence) blocks public access, all four ways.
Azure RBAC: workloads get a role on one secret or key, never on a vault, group or subscription.
External Secrets: stores are namespaced, so a namespace can only read through credentials it owns.
Mobile delivery: the CMS writer Jobs write only secrets declared for mobile apps (and mount no CMS
credential but the writer token), the CMS provisioning Jobs mount only the CMS's credentials, and
the CMS token that may write lives only in the CMS namespace, never where the BFF runs.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
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
    unknown_at,
    walk,
)

ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role"
CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"
ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"
IAM_POLICY_DOCUMENTS = {
    "aws:iam/policy:Policy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
}
"""IAM identity policies and the input that holds their document (role inline policies below)."""
IAM_ROLE = "aws:iam/role:Role"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
S3_BUCKET_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
"""The four settings of an S3 public access block; each is false unless set (S3 API, PublicAccessBlockConfiguration)."""
_CLUSTER_SECRET_STORE = re.compile(r"^kubernetes:external-secrets\.io/[^:]+:ClusterSecretStore$")
_EXTERNAL_SECRETS_KIND = re.compile(r"^kubernetes:external-secrets\.io/[^:]+:[A-Za-z]+$")

_CORE_GROUPS = ("", "*")


# --- Kubernetes RBAC ----------------------------------------------------------------------------


def _rules(args: ResourceValidationArgs) -> list[tuple[int, dict[str, Any]]] | None:
    if args.resource_type not in (ROLE, CLUSTER_ROLE):
        return None
    rules = plain(args.props).get("rules")
    if is_unknown(rules):
        return None
    return [(i, r) for i, r in enumerate(as_list(rules)) if isinstance(r, dict)]


def _reaches_secrets(rule: dict[str, Any]) -> bool:
    """A rule that applies to Secrets: core API group (or `*`) and `secrets` (or `*`) resources."""
    groups = as_list(rule.get("apiGroups"))
    resources = as_list(rule.get("resources"))
    in_core = any(g in _CORE_GROUPS for g in groups)
    return in_core and any(r == "*" or r == "secrets" or str(r).startswith("secrets/") for r in resources)


def _role_wildcards(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for i, rule in _rules(args) or []:
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
    validate=_role_wildcards,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Replace each '*' with the exact API groups, resources and verbs needed.",
)


_UNNAMEABLE_VERBS = frozenset({"create"})
"""Verbs the authorizer cannot restrict by name (RBAC docs: create requests carry no name yet);
a rule of only these needs no resourceNames and reveals no value."""


def _role_secret_resource_names(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for i, rule in _rules(args) or []:
        if not _reaches_secrets(rule):
            continue
        names = rule.get("resourceNames")
        verbs = sorted({str(v) for v in as_list(rule.get("verbs"))} - _UNNAMEABLE_VERBS)
        if is_unknown(names) or not verbs:
            continue
        if not as_list(names) or "*" in as_list(names):
            report(
                message(
                    f"rules[{i}] allows {', '.join(verbs)} on every Secret of its scope",
                    "Name the Secrets in resource_names, and keep create (which cannot be named) in a rule "
                    "of its own",
                ),
                None,
            )


# Source: CIS Kubernetes Benchmark 5.1.2 ("Minimize access to secrets").
KUBERNETES_ROLE_SECRET_RESOURCE_NAMES = ResourceValidationPolicy(
    name="kubernetes-role-secret-resource-names",
    description="Roles must reach Secrets only through resourceNames.",
    validate=_role_secret_resource_names,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Add resource_names listing exactly the Secrets the subject reads.",
)


def _role_secret_verbs(args: ResourceValidationArgs, report: ReportViolation) -> None:
    cfg = settings(args, KUBERNETES_ROLE_SECRET_VERBS.config_schema)
    for i, rule in _rules(args) or []:
        if not _reaches_secrets(rule):
            continue
        verbs = sorted({str(v) for v in as_list(rule.get("verbs"))} & set(cfg["forbiddenVerbs"]))
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
    validate=_role_secret_verbs,
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
    for i, rule in _rules(args) or []:
        if _reaches_secrets(rule):
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
    validate=_clusterrole_secrets,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        allowList=string_list([], "Names of ClusterRoles allowed to reach Secrets (none by default).")
    ),
    remediation_steps="Use a namespaced Role with resource_names instead of a ClusterRole.",
)


def _binding(args: ResourceValidationArgs) -> dict[str, Any] | None:
    if args.resource_type not in (ROLE_BINDING, CLUSTER_ROLE_BINDING):
        return None
    return plain(args.props)


def _rolebinding_cluster_admin(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = _binding(args)
    if props is None:
        return
    cfg = settings(args, KUBERNETES_ROLEBINDING_CLUSTER_ADMIN.config_schema)
    role = dig(props, "roleRef", "name")
    if role in cfg["forbiddenRoles"]:
        report(
            message(
                f"The binding grants the {role} ClusterRole",
                "Bind a Role that grants only what the subjects need",
            ),
            None,
        )


# Source: CIS Kubernetes Benchmark 5.1.1 ("Ensure that the cluster-admin role is only used where
# required"); operators get cluster admin from the cloud (EKS access policy, AKS admin group).
KUBERNETES_ROLEBINDING_CLUSTER_ADMIN = ResourceValidationPolicy(
    name="kubernetes-rolebinding-cluster-admin",
    description="RoleBindings and ClusterRoleBindings must never grant cluster-admin.",
    validate=_rolebinding_cluster_admin,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(forbiddenRoles=string_list(["cluster-admin"], "Roles no binding may grant.")),
    remediation_steps="Bind a least-privilege Role instead of cluster-admin.",
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
        report(
            message(
                f"subjects[{i}] is the {kind} {name!r}, which is neither a ServiceAccount nor an allowed "
                "operator group",
                "Bind a ServiceAccount, or add the group to allowedOperatorGroups in the policy config",
            ),
            None,
        )


KUBERNETES_ROLEBINDING_SUBJECTS = ResourceValidationPolicy(
    name="kubernetes-rolebinding-subjects",
    description="Bindings must name only ServiceAccounts and the allowed operator groups.",
    validate=_rolebinding_subjects,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        allowedOperatorGroups=string_list(
            [], "Kubernetes groups of the operations team that bindings may name."
        )
    ),
    remediation_steps="Bind ServiceAccounts, or the operations team's group listed in the policy config.",
)


# --- AWS IAM ------------------------------------------------------------------------------------

_GUARDED_SERVICES = ("secretsmanager", "kms")


def policy_document(value: Any) -> dict[str, Any] | None:
    """An IAM policy document given as JSON text or as a map; None when unknown or unreadable."""
    if is_unknown(value) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def _statements(document: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(i, s) for i, s in enumerate(as_list(document.get("Statement"))) if isinstance(s, dict)]


def _statement_problems(statement: dict[str, Any]) -> list[str]:
    """What makes an Allow statement too broad for Secrets Manager or KMS."""
    if statement.get("Effect") != "Allow":
        return []
    problems = []
    actions = [str(a) for a in as_list(statement.get("Action"))]
    if statement.get("NotAction") is not None:
        problems.append("uses NotAction, which allows every other action including secret reads")
    if "*" in actions:
        problems.append("allows every action ('*')")
    guarded = [a for a in actions if a.split(":")[0].lower() in _GUARDED_SERVICES]
    wild = [a for a in guarded if "*" in a]
    if wild:
        problems.append(f"uses wildcard actions {', '.join(sorted(wild))}")
    if guarded or "*" in actions:
        resources = [str(r) for r in as_list(statement.get("Resource"))]
        if statement.get("NotResource") is not None:
            problems.append("uses NotResource with Secrets Manager or KMS actions")
        wide = [r for r in resources if "*" in r]
        if wide:
            problems.append(f"grants Secrets Manager or KMS actions on {', '.join(sorted(wide))}")
    return problems


def _iam_documents(args: ResourceValidationArgs) -> list[tuple[str, dict[str, Any]]]:
    props = plain(args.props)
    if args.resource_type in IAM_POLICY_DOCUMENTS:
        document = policy_document(props.get(IAM_POLICY_DOCUMENTS[args.resource_type]))
        return [("policy", document)] if document else []
    if args.resource_type == IAM_ROLE:
        found = []
        for i, inline in enumerate(as_list(props.get("inlinePolicies"))):
            document = policy_document(dig(inline, "policy"))
            if document:
                found.append((f"inlinePolicies[{i}]", document))
        return found
    return []


def _iam_secrets_wildcards(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for where, document in _iam_documents(args):
        for i, statement in _statements(document):
            for problem in _statement_problems(statement):
                report(
                    message(
                        f"{where} Statement[{i}] {problem}",
                        "List the exact secretsmanager:/kms: actions and the ARNs of the secrets and keys",
                    ),
                    None,
                )


# Source: AWS Secrets Manager user guide, "Least privilege"; parliament's RESOURCE_STAR finding.
AWS_IAM_POLICY_SECRETS_WILDCARDS = ResourceValidationPolicy(
    name="aws-iam-policy-secrets-wildcards",
    description="IAM policies must not use '*' in actions or resources for Secrets Manager or KMS.",
    validate=_iam_secrets_wildcards,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(),
    remediation_steps="Name each action and the ARN of each secret or key.",
)

_SERVICE_ACCOUNT_SUBJECT = re.compile(r"^system:serviceaccount:[a-z0-9-]+:[a-z0-9.-]+$")


def _web_identity_problems(statement: dict[str, Any]) -> list[str]:
    actions = [str(a) for a in as_list(statement.get("Action"))]
    if statement.get("Effect") != "Allow" or "sts:AssumeRoleWithWebIdentity" not in actions:
        return []
    condition = statement.get("Condition") or {}
    if not isinstance(condition, dict):
        return ["has no usable Condition"]
    problems = []
    subjects: list[Any] = []
    audiences: list[Any] = []
    for operator, entries in condition.items():
        if not isinstance(entries, dict):
            continue
        for key, value in entries.items():
            if str(key).endswith(":sub"):
                if operator != "StringEquals":
                    problems.append(f"matches the subject with {operator} instead of StringEquals")
                subjects.extend(as_list(value))
            elif str(key).endswith(":aud"):
                audiences.extend(as_list(value))
    if any(is_unknown(v) for v in subjects + audiences):
        return []
    if len(subjects) != 1 or not _SERVICE_ACCOUNT_SUBJECT.match(str(subjects[0])):
        problems.append(
            f"trusts {len(subjects)} subjects instead of exactly one system:serviceaccount:<namespace>:<name>"
        )
    if audiences != ["sts.amazonaws.com"]:
        problems.append("does not pin the audience to sts.amazonaws.com")
    return problems


def _role_web_identity(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != IAM_ROLE:
        return
    document = policy_document(plain(args.props).get("assumeRolePolicy"))
    for i, statement in _statements(document or {}):
        for problem in _web_identity_problems(statement):
            report(
                message(
                    f"assumeRolePolicy Statement[{i}] {problem}",
                    "Add Condition StringEquals {'<issuer>:sub': 'system:serviceaccount:<namespace>:<name>', "
                    "'<issuer>:aud': 'sts.amazonaws.com'}",
                ),
                None,
            )


# Source: EKS user guide, "Configure a Kubernetes service account to assume an IAM role" (scope the
# trust policy to one service account with StringEquals on :sub and :aud).
AWS_IAM_ROLE_WEB_IDENTITY_SUBJECT = ResourceValidationPolicy(
    name="aws-iam-role-web-identity-subject",
    description="IAM roles assumed with web identity must trust exactly one ServiceAccount.",
    validate=_role_web_identity,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(),
    remediation_steps="Pin the trust policy's :sub to one system:serviceaccount:<ns>:<name> and :aud to STS.",
)


# --- AWS S3 -------------------------------------------------------------------------------------


def _public_access_off(props: dict[str, Any]) -> list[str]:
    """The flags of a public access block that are not on (an unknown flag counts as on)."""
    return [f for f in PUBLIC_ACCESS_FLAGS if props.get(f) is not True and not is_unknown(props.get(f))]


def _blocks_by_bucket(
    resources: list[PolicyResource],
) -> tuple[dict[str, list[PolicyResource]], dict[str, list[PolicyResource]], bool]:
    """Bucket public access blocks by the URN of the bucket they reference, and by bucket name.

    The third value says some block names a bucket the preview cannot know yet (unknown name, no
    reference), so it may be the block of any bucket.
    """
    by_urn: dict[str, list[PolicyResource]] = {}
    by_name: dict[str, list[PolicyResource]] = {}
    unlinked = False
    for block in resources:
        if block.resource_type != S3_BUCKET_PUBLIC_ACCESS_BLOCK:
            continue
        targets = block.property_dependencies.get("bucket", [])
        for target in targets:
            by_urn.setdefault(target.urn, []).append(block)
        name = plain(block.props).get("bucket")
        if is_unknown(name):
            unlinked |= not targets
        elif isinstance(name, str) and name:
            by_name.setdefault(name, []).append(block)
    return by_urn, by_name, unlinked


def _stack_s3_public_access_block(args: StackValidationArgs, report: ReportViolation) -> None:
    # An account-level block with every flag on applies to every bucket of the account.
    if any(
        r.resource_type == S3_ACCOUNT_PUBLIC_ACCESS_BLOCK and not _public_access_off(plain(r.props))
        for r in args.resources
    ):
        return
    by_urn, by_name, unlinked = _blocks_by_bucket(args.resources)
    for bucket in args.resources:
        if bucket.resource_type not in S3_BUCKETS:
            continue
        name = plain(bucket.props).get("bucket")
        if is_unknown(name) and by_name:
            continue  # a block may name this bucket once its name is known
        named = by_name.get(name, []) if isinstance(name, str) else []
        blocks = {b.urn: b for b in by_urn.get(bucket.urn, []) + named}
        if not blocks:
            if unlinked:
                continue
            report(
                message(
                    f"The bucket {bucket.name} has no public access block, so a bucket policy or ACL can "
                    "make it public",
                    "Declare an aws.s3.BucketPublicAccessBlock with bucket=<the bucket>.id and "
                    "block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets "
                    "all True",
                ),
                bucket.urn,
            )
            continue
        off = {b.name: _public_access_off(plain(b.props)) for b in blocks.values()}
        if all(off.values()):
            block, flags = next(iter(off.items()))
            arguments = ", ".join(re.sub(r"([A-Z])", r"_\1", f).lower() for f in flags)
            report(
                message(
                    f"The bucket {bucket.name}'s public access block {block} leaves {', '.join(flags)} off",
                    f"Set {arguments} to True on {block}",
                ),
                bucket.urn,
            )


# Source: CIS AWS Foundations Benchmark v1.5.0, 2.1.4 ("Ensure that S3 Buckets are configured with
# 'Block public access (bucket settings)'"); checkov CKV_AWS_53, CKV_AWS_54, CKV_AWS_55, CKV_AWS_56
# (one per flag). The trail bucket holds every record of who read which secret.
AWS_S3_BUCKET_PUBLIC_ACCESS_BLOCK = StackValidationPolicy(
    name="aws-s3-bucket-public-access-block",
    description="Every S3 bucket must have a public access block with all four settings on.",
    validate=_stack_s3_public_access_block,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Declare a BucketPublicAccessBlock for each bucket with all four block/ignore/restrict "
    "settings True (or an AccountPublicAccessBlock with all four True).",
)


# --- External Secrets ---------------------------------------------------------------------------


def _store_references(props: dict[str, Any]) -> list[str]:
    """Paths of the store references (`secretStoreRef`, `sourceRef.storeRef`...) that name a
    ClusterSecretStore."""
    return [
        path.rsplit(".", 1)[0]
        for path, key, value in walk(props.get("spec"), "spec")
        if key == "kind" and value == "ClusterSecretStore" and "storeref" in path.lower()
    ]


def _clustersecretstore(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if _CLUSTER_SECRET_STORE.match(args.resource_type):
        report(
            message(
                "The ClusterSecretStore may be named by an ExternalSecret in any namespace, which then "
                "reads every secret the store's credentials reach",
                "Declare a namespaced SecretStore in the namespace of the ExternalSecrets that use it, "
                "with the credentials of that namespace's workload",
            ),
            None,
        )
        return
    if not _EXTERNAL_SECRETS_KIND.match(args.resource_type):
        return
    for path in _store_references(plain(args.props)):
        report(
            message(
                f"{path} names a ClusterSecretStore, a store shared by every namespace",
                f"Point {path} at a SecretStore (kind: SecretStore) in the object's own namespace",
            ),
            None,
        )


# Source: External Secrets docs, "Security Best Practices", 1. Namespace Isolation (a ClusterSecretStore
# reaches across all namespaces; "If cluster-wide resources are not required, it is recommended to
# disable them"); the platform installs ESO without the ClusterSecretStore CRD.
KUBERNETES_CLUSTERSECRETSTORE_FORBIDDEN = ResourceValidationPolicy(
    name="kubernetes-clustersecretstore-forbidden",
    description="External Secrets stores must be namespaced SecretStores, never ClusterSecretStores.",
    validate=_clustersecretstore,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Replace the ClusterSecretStore with a SecretStore per namespace and reference it with "
    "kind: SecretStore.",
)


# --- Azure RBAC ---------------------------------------------------------------------------------

_BROAD_SCOPE = (
    (re.compile(r"^/?$"), "the tenant root"),
    (re.compile(r"^/providers/microsoft\.management/managementgroups/[^/]+/?$"), "a management group"),
    (re.compile(r"^/subscriptions/[^/]+/?$"), "a subscription"),
    (re.compile(r"^/subscriptions/[^/]+/resourcegroups/[^/]+/?$"), "a resource group"),
    (re.compile(r"/providers/microsoft\.keyvault/(vaults|managedhsms)/[^/]+/?$"), "a whole Key Vault"),
)


def role_assignment_scope_kind(scope: str) -> str | None:
    """What a too-broad scope is (`a subscription`...), or None for one secret, key or other resource."""
    lowered = scope.lower()
    if "/secrets/" in lowered or "/keys/" in lowered:
        return None
    for pattern, kind in _BROAD_SCOPE:
        if pattern.search(lowered):
            return kind
    return None


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
    if props.get("principalType") == "Group" and principal in cfg["allowedOperatorPrincipalIds"]:
        return
    kind = role_assignment_scope_kind(scope)
    role = props.get("roleDefinitionId")
    allowed_roles = {r.lower() for r in cfg["allowedVaultScopedRoleIds"]}
    if (
        kind == "a whole Key Vault"
        and isinstance(role, str)
        and (is_unknown(role) or role.rstrip("/").rsplit("/", 1)[-1].lower() in allowed_roles)
    ):
        return
    if kind:
        report(
            message(
                f"The role assignment's scope is {kind}",
                "Scope it to the one secret or key the workload uses (an id containing /secrets/ or "
                "/keys/), or list the operator group in allowedOperatorPrincipalIds",
            ),
            None,
        )


# Source: Azure Key Vault docs, "Best practices: use RBAC at the scope of individual keys, secrets and
# certificates for applications".
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


# --- mobile delivery -------------------------------------------------------------------------

SECRET = "kubernetes:core/v1:Secret"
JOB = "kubernetes:batch/v1:Job"
DELIVERY_LABEL = "secrets-platform/delivery"
CMS_ACCESS_LABEL = "secrets-platform/cms-access"


def _labels(props: dict[str, Any]) -> dict[str, Any]:
    labels = dig(props, "metadata", "labels")
    return labels if isinstance(labels, dict) else {}


def _cms_write_token(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != SECRET:
        return
    cfg = settings(args, KUBERNETES_SECRET_CMS_WRITE_TOKEN.config_schema)
    props = plain(args.props)
    namespace = dig(props, "metadata", "namespace")
    if is_unknown(namespace) or unknown_at(props, "metadata", "labels"):
        return
    if _labels(props).get(CMS_ACCESS_LABEL) == "write" and namespace not in cfg["cmsNamespaces"]:
        report(
            message(
                f"A CMS token that may write lives in namespace {namespace}, where any pod (the BFF's "
                "included) may mount it",
                f"Keep the writer token in the CMS namespace ({', '.join(cfg['cmsNamespaces'])}) and give "
                "the BFF only the read-only token",
            ),
            None,
        )


# Source: OWASP API Security Top 10 API5 (broken function level authorization); the BFF only reads.
KUBERNETES_SECRET_CMS_WRITE_TOKEN = ResourceValidationPolicy(
    name="kubernetes-secret-cms-write-token",
    description="A CMS token with write access must live only in the CMS namespace, never with the BFF.",
    validate=_cms_write_token,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(
        cmsNamespaces=string_list(["cms"], "Namespaces where the CMS and its writer Jobs run."),
    ),
    remediation_steps="Move the writer token's Secret to the CMS namespace; the BFF gets the read token.",
)


def _mounted_secrets(spec: dict[str, Any]) -> list[str]:
    names = []
    for volume in as_list(spec.get("volumes")):
        if not isinstance(volume, dict):
            continue
        name = dig(volume, "secret", "secretName")
        if isinstance(name, str):
            names.append(name)
        for source in as_list(dig(volume, "projected", "sources")):
            name = dig(source, "secret", "name")
            if isinstance(name, str):
                names.append(name)
    return names


def _job_mounts(
    args: StackValidationArgs, selector: dict[str, Any]
) -> list[tuple[str, str, dict[str, Any] | None]]:
    """(Job URN, `namespace/name`, the Secret's labels or None when the stack does not declare it) of
    every Secret mounted by the pods of Jobs whose pod labels match `selector`."""
    secrets: dict[tuple[str, str], dict[str, Any]] = {}
    for resource in args.resources:
        if resource.resource_type == SECRET:
            props = plain(resource.props)
            key = (str(dig(props, "metadata", "namespace")), str(dig(props, "metadata", "name")))
            secrets[key] = _labels(props)
    mounts = []
    for resource in args.resources:
        if resource.resource_type != JOB:
            continue
        props = plain(resource.props)
        template = dig(props, "spec", "template")
        pod_labels = dig(template, "metadata", "labels")
        if not isinstance(pod_labels, dict) or any(pod_labels.get(k) != v for k, v in selector.items()):
            continue
        namespace = str(dig(props, "metadata", "namespace"))
        spec = dig(template, "spec")
        for name in _mounted_secrets(spec if isinstance(spec, dict) else {}):
            mounts.append((resource.urn, f"{namespace}/{name}", secrets.get((namespace, name))))
    return mounts


def _writer_mobile_secrets(args: StackValidationArgs, report: ReportViolation) -> None:
    cfg = settings(args, KUBERNETES_JOB_CMS_WRITER_MOBILE_SECRETS.config_schema)
    for urn, secret, labels in _job_mounts(args, cfg["selector"]):
        if labels is None or labels.get(CMS_ACCESS_LABEL) == "write":
            continue  # not declared by this stack, or the writer's own token
        if labels.get(DELIVERY_LABEL) != "mobile":
            # A CMS credential other than the writer's own (the read token, the administrator's password)
            # is not declared for mobile delivery either: the writer would hand it to apps.
            report(
                message(
                    f"The CMS writer Job writes Secret {secret} into the CMS, where the BFF hands it to "
                    "mobile apps, but it is not declared for mobile delivery",
                    "Grant apps only secrets declared with mobile: true, and write only those",
                ),
                urn,
            )


# Source: OWASP MASVS-STORAGE / MASTG: a secret shipped to a device is public; backend credentials
# (a database password) must never reach one.
KUBERNETES_JOB_CMS_WRITER_MOBILE_SECRETS = StackValidationPolicy(
    name="kubernetes-job-cms-writer-mobile-secrets",
    description="CMS writer Jobs must write only Secrets declared for mobile delivery.",
    validate=_writer_mobile_secrets,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(
        selector={
            "type": "object",
            "default": {"app.kubernetes.io/name": "cms-writer"},
            "description": "Pod labels of the CMS writer Jobs.",
        }
    ),
    remediation_steps="Write into the CMS only Secrets labelled secrets-platform/delivery: mobile.",
)


def _provisioner_secrets(args: StackValidationArgs, report: ReportViolation) -> None:
    cfg = settings(args, KUBERNETES_JOB_CMS_PROVISIONER_SECRETS.config_schema)
    for urn, secret, labels in _job_mounts(args, cfg["selector"]):
        if labels is not None and not labels.get(CMS_ACCESS_LABEL):
            report(
                message(
                    f"The CMS provisioning Job mounts Secret {secret}, which is not a CMS credential (no "
                    f"{CMS_ACCESS_LABEL} label): it runs as the CMS's administrator and needs only the "
                    "administrator's password and the two tokens it gives the CMS's users",
                    "Mount only the CMS's administrator password and its read and writer tokens",
                ),
                urn,
            )


# Source: OWASP API Security Top 10 API5 and the principle of least privilege: the Job that holds the
# CMS administrator's password must not also hold other secrets it could copy into the CMS.
KUBERNETES_JOB_CMS_PROVISIONER_SECRETS = StackValidationPolicy(
    name="kubernetes-job-cms-provisioner-secrets",
    description="CMS provisioning Jobs must mount only the CMS's credentials (its tokens and administrator password).",
    validate=_provisioner_secrets,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        selector={
            "type": "object",
            "default": {"app.kubernetes.io/name": "cms-provisioner"},
            "description": "Pod labels of the CMS provisioning Jobs.",
        }
    ),
    remediation_steps="Mount only Secrets labelled secrets-platform/cms-access into the provisioning Job.",
)


POLICIES = [
    KUBERNETES_ROLE_WILDCARDS,
    KUBERNETES_ROLE_SECRET_RESOURCE_NAMES,
    KUBERNETES_ROLE_SECRET_VERBS,
    KUBERNETES_CLUSTERROLE_SECRETS,
    KUBERNETES_ROLEBINDING_CLUSTER_ADMIN,
    KUBERNETES_ROLEBINDING_SUBJECTS,
    AWS_IAM_POLICY_SECRETS_WILDCARDS,
    AWS_IAM_ROLE_WEB_IDENTITY_SUBJECT,
    AZURE_AUTHORIZATION_ROLE_ASSIGNMENT_SCOPE,
    AWS_S3_BUCKET_PUBLIC_ACCESS_BLOCK,
    KUBERNETES_CLUSTERSECRETSTORE_FORBIDDEN,
    KUBERNETES_SECRET_CMS_WRITE_TOKEN,
    KUBERNETES_JOB_CMS_WRITER_MOBILE_SECRETS,
    KUBERNETES_JOB_CMS_PROVISIONER_SECRETS,
]
