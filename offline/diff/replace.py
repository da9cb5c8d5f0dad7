"""What forces a replacement: per type, the input paths whose change makes the provider replace a
resource instead of updating it, with each provider's source cited, and the order of a replacement."""

from __future__ import annotations

from dataclasses import dataclass

from offline.diff.model import Reason
from offline.plan import Resource


@dataclass(frozen=True)
class ReplaceRule:
    """Input paths whose change makes the provider replace the resource instead of updating it."""

    paths: tuple[str, ...]
    """Input paths (dots for keys, `[i]` for items); `*` is every input."""
    reason: str
    """Why, in a few words, for the review."""
    mutable_with: str = ""
    """A provider flag that makes these paths update in place instead (unless the object is `immutable`)."""


_K8S_SOURCE = "pulumi-kubernetes provider/pkg/provider/diff.go (forceNew)"
REPLACE_RULES: dict[str, tuple[ReplaceRule, ...]] = {
    # pulumi-kubernetes diff.go metadataForceNewProperties: every object.
    "kubernetes:*": (
        ReplaceRule(
            ("metadata.name", "metadata.namespace"), "a Kubernetes object is known by name and namespace"
        ),
    ),
    # diff.go forceNewProperties: a Secret's .type, .stringData and .data (a ConfigMap's .data and
    # .binaryData) force a replacement unless the provider sets enableSecretMutable
    # (enableConfigMapMutable) and the object is not `immutable: true` (see `_mutable`).
    "kubernetes:core/v1:Secret": (
        ReplaceRule(("type",), "Secret data and type are replaced, never updated"),
        ReplaceRule(
            ("data", "stringData"),
            "Secret data and type are replaced, never updated",
            mutable_with="enableSecretMutable",
        ),
    ),
    "kubernetes:core/v1:ConfigMap": (
        ReplaceRule(
            ("data", "binaryData"),
            "ConfigMap data is replaced, never updated",
            mutable_with="enableConfigMapMutable",
        ),
    ),
    "kubernetes:core/v1:Service": (ReplaceRule(("spec.clusterIP",), "a Service's clusterIP is immutable"),),
    # diff.go: deployment/daemonset/statefulSet `.spec.selector`, job `.spec.template`, roleBinding `.roleRef`.
    "kubernetes:apps/v1:Deployment": (
        ReplaceRule(("spec.selector",), "a Deployment's selector is immutable"),
    ),
    "kubernetes:apps/v1:StatefulSet": (
        ReplaceRule(
            ("spec.selector", "spec.serviceName", "spec.volumeClaimTemplates", "spec.podManagementPolicy"),
            "these StatefulSet fields are immutable",
        ),
    ),
    "kubernetes:batch/v1:Job": (
        ReplaceRule(("spec.selector", "spec.template"), "a Job's pod template is immutable"),
    ),
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": (
        ReplaceRule(("roleRef",), "a binding's roleRef is immutable"),
    ),
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": (
        ReplaceRule(("roleRef",), "a binding's roleRef is immutable"),
    ),
    # helm_release.go Diff: forceNewFields ".name", ".namespace".
    "kubernetes:helm.sh/v3:Release": (
        ReplaceRule(("name", "namespace"), "a Helm release is known by name and namespace"),
    ),
    # terraform-provider-random: every argument of every resource RequiresReplace; `keepers` exist
    # to force a new value.
    "random:*": (ReplaceRule(("*",), "a random value is drawn again when any input (keepers) changes"),),
    # terraform-provider-aws ForceNew arguments (resource names and identity).
    "aws:secretsmanager/secret:Secret": (ReplaceRule(("name", "namePrefix"), "the secret's name"),),
    "aws:secretsmanager/secretVersion:SecretVersion": (
        ReplaceRule(("secretId", "secretString", "secretBinary"), "a secret version is immutable"),
    ),
    "aws:kms/key:Key": (
        ReplaceRule(
            ("customerMasterKeySpec", "keyUsage", "multiRegion"), "a KMS key's spec and usage are fixed"
        ),
    ),
    "aws:kms/alias:Alias": (ReplaceRule(("name", "namePrefix"), "the alias name"),),
    "aws:iam/role:Role": (ReplaceRule(("name", "namePrefix", "path"), "the role's name and path"),),
    "aws:iam/policy:Policy": (
        ReplaceRule(("name", "namePrefix", "path", "description"), "the policy's name"),
    ),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (
        ReplaceRule(("role", "policyArn"), "an attachment is its role and policy"),
    ),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (ReplaceRule(("url",), "the issuer URL"),),
    "aws:eks/cluster:Cluster": (ReplaceRule(("name", "roleArn"), "the cluster's name and role"),),
    "aws:eks/nodeGroup:NodeGroup": (
        ReplaceRule(
            (
                "clusterName",
                "nodeGroupName",
                "nodeGroupNamePrefix",
                "nodeRoleArn",
                "subnetIds",
                "instanceTypes",
                "capacityType",
                "diskSize",
            ),
            "a node group's name, role, subnets and instance types are fixed",
        ),
    ),
    "aws:eks/accessEntry:AccessEntry": (
        ReplaceRule(("clusterName", "principalArn", "type"), "an access entry is its cluster and principal"),
    ),
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": (
        ReplaceRule(
            ("clusterName", "principalArn", "policyArn"), "an association is its principal and policy"
        ),
    ),
    "aws:cloudwatch/logGroup:LogGroup": (ReplaceRule(("name", "namePrefix"), "the log group's name"),),
    "aws:lambda/function:Function": (ReplaceRule(("name",), "the function's name"),),
    "aws:sns/topic:Topic": (ReplaceRule(("name", "namePrefix", "fifoTopic"), "the topic's name"),),
    # Azure Resource Manager: path parameters (resource group and resource name) and `location`
    # are create-only (pulumi-azure-native marks them forceNew).
    "azure-native:*": (
        ReplaceRule(("resourceGroupName", "location"), "an Azure resource's group and location"),
    ),
    "azure-native:keyvault:Vault": (ReplaceRule(("vaultName",), "the vault's name"),),
    "azure-native:keyvault:Key": (ReplaceRule(("vaultName", "keyName"), "the key's vault and name"),),
    "azure-native:keyvault:Secret": (
        ReplaceRule(("vaultName", "secretName"), "the secret's vault and name"),
    ),
    "azure-native:containerservice:ManagedCluster": (ReplaceRule(("resourceName",), "the cluster's name"),),
    "azure-native:managedidentity:UserAssignedIdentity": (
        ReplaceRule(("resourceName",), "the identity's name"),
    ),
    "azure-native:authorization:RoleAssignment": (
        ReplaceRule(
            ("scope", "roleAssignmentName", "principalId", "roleDefinitionId"),
            "a role assignment cannot be updated",
        ),
    ),
}
"""Type (or `<package>:*` for every type of a package) -> what forces a replacement, and why."""


def replace_rules(resource_type: str) -> tuple[ReplaceRule, ...]:
    """The rules of a type: its package's, then its own."""
    package = resource_type.split(":", 1)[0]
    return REPLACE_RULES.get(f"{package}:*", ()) + REPLACE_RULES.get(resource_type, ())


def matches(pattern: str, path: str) -> bool:
    """A rule or option path covers a changed input path (either may be the other's ancestor)."""
    if pattern == "*":
        return True
    return any(a == b or a.startswith((b + ".", b + "[")) for a, b in ((path, pattern), (pattern, path)))


def replacement(resource: Resource, changed: list[str], plans: dict[str, Resource]) -> list[Reason]:
    """Why a resource with these changed input paths is replaced (empty: it is updated in place)."""
    reasons: list[Reason] = []
    for rule in replace_rules(resource.type):
        if rule.mutable_with and _mutable(resource, rule.mutable_with, plans):
            continue
        for pattern in rule.paths:
            hits = [p for p in changed if matches(pattern, p)]
            if hits:
                reasons.append(Reason(hits[0] if pattern == "*" else pattern, rule.reason))
    for pattern in resource.options.get("replaceOnChanges") or []:
        hits = [p for p in changed if matches(pattern, p)]
        if hits:
            reasons.append(Reason(hits[0], "", listed=pattern))
    return list(dict.fromkeys(reasons))


def _mutable(resource: Resource, flag: str, plans: dict[str, Resource]) -> bool:
    """Data updated in place: the provider's `enableSecretMutable` (or ConfigMap flag), not immutable."""
    if resource.inputs.get("immutable") in (True, "true"):
        return False
    provider = plans.get(resource.provider.rsplit("::", 1)[0])
    return bool(provider and provider.inputs.get(flag) in (True, "true"))


def deletes_first(old: Resource, new: Resource) -> bool:
    """Whether a replacement deletes the old resource before creating the new one.

    The `deleteBeforeReplace` option says so; pulumi-kubernetes also forces it when the new object
    keeps the old name and namespace (provider.go Diff: the two cannot exist at once).
    """
    if new.options.get("deleteBeforeReplace"):
        return True
    if not new.type.startswith("kubernetes:") or new.type.startswith("kubernetes:helm.sh/"):
        return False
    before, after = old.inputs.get("metadata") or {}, new.inputs.get("metadata") or {}
    return bool(after.get("name")) and all(before.get(k) == after.get(k) for k in ("name", "namespace"))
