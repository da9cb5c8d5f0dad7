"""People's way in: the cluster access the stack gives its operators (EKS access entries, AKS Entra ID
admin groups), beyond the Roles bound to their Kubernetes group (read with the rest of RBAC)."""

from __future__ import annotations

from typing import Any

from offline.access.kubernetes import Rule, grant_rows
from offline.access.model import ALL, KUBERNETES, Inventory, as_list, row
from offline.plan import Plan

EKS_POLICY_VERBS: dict[str, list[str] | None] = {
    "AmazonEKSClusterAdminPolicy": ["*"],
    "AmazonEKSAdminPolicy": ["*"],
    "AmazonEKSEditPolicy": ["create", "delete", "get", "list", "patch", "update", "watch"],
    "AmazonEKSViewPolicy": None,
}
"""What an EKS access policy lets its principal do with Secrets. Amazon EKS user guide, "Review access
policy permissions": the policies match the Kubernetes user-facing roles cluster-admin, admin, edit
and view; of those, `view` alone does not read Secrets (Kubernetes RBAC docs, "User-facing roles").
Another policy is reported with `unknown` verbs."""


def eks_rows(plan: Plan, inventory: Inventory) -> list[dict[str, Any]]:
    """Each EKS access policy association: its principal may do what the policy says, in its scope."""
    entries = {
        str(r.inputs.get("principalArn")): r
        for r in plan.resources
        if r.type == "aws:eks/accessEntry:AccessEntry"
    }
    rows = []
    for association in plan.resources:
        if association.type != "aws:eks/accessPolicyAssociation:AccessPolicyAssociation":
            continue
        inputs = association.inputs
        principal = str(inputs.get("principalArn"))
        policy = str(inputs.get("policyArn", "")).rsplit("/", 1)[-1]
        verbs = EKS_POLICY_VERBS.get(policy, ["unknown"])
        if verbs is None:
            continue
        scope = inputs.get("accessScope") or {}
        namespaces = (
            [ALL] if scope.get("type") != "namespace" else [str(n) for n in as_list(scope.get("namespaces"))]
        )
        entry = entries.get(principal)
        groups = [str(g) for g in as_list(entry.inputs.get("kubernetesGroups"))] if entry is not None else []
        member = f"; member of Kubernetes group {', '.join(groups)}" if groups else ""
        through = f"EKS access entry of cluster {inputs.get('clusterName')}, access policy {policy}{member}"
        for namespace in namespaces:
            if verbs == ["unknown"]:
                rows.append(row(f"{namespace}/{ALL}", KUBERNETES, "principal", principal, through, verbs))
            else:
                rows += grant_rows(
                    inventory, [Rule((), frozenset(verbs))], namespace, "principal", principal, through
                )
    return rows


def aks_rows(plan: Plan, inventory: Inventory, names: dict[str, str]) -> list[dict[str, Any]]:
    """AKS binds each `aadProfile.adminGroupObjectIDs` group to `cluster-admin` (AKS docs, "Use Microsoft
    Entra ID in AKS": the admin group gets cluster admin access); local accounts, when not disabled,
    give a cluster-admin kubeconfig to whoever may list the cluster's admin credentials."""
    rows = []
    for cluster in plan.resources:
        if cluster.type != "azure-native:containerservice:ManagedCluster":
            continue
        name = cluster.inputs.get("resourceName") or cluster.name
        profile = cluster.inputs.get("aadProfile") or {}
        for group in (str(g) for g in as_list(profile.get("adminGroupObjectIDs"))):
            reader = f"{names[group]} ({group})" if group in names else group
            through = f"AKS Entra ID admin group of cluster {name} (cluster-admin)"
            rows += grant_rows(inventory, [Rule((), frozenset({"*"}))], ALL, "group", reader, through)
        if not cluster.inputs.get("disableLocalAccounts"):
            through = f"AKS local accounts of cluster {name} (listClusterAdminCredential gives cluster-admin)"
            rows += grant_rows(
                inventory, [Rule((), frozenset({"*"}))], ALL, "credential", "local cluster admin", through
            )
    return rows
