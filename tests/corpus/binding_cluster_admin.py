"""A workload's ServiceAccount bound to cluster-admin."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-rolebinding-builtin-roles"}


def program() -> None:
    k8s.rbac.v1.ClusterRoleBinding(
        "payments-admin",
        metadata={"name": "payments-admin"},
        role_ref={"api_group": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        subjects=[{"kind": "ServiceAccount", "name": "payments-api", "namespace": "payments"}],
    )
