"""A RoleBinding that hands a workload the built-in edit role: it reads every Secret of the namespace."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-rolebinding-builtin-roles"}


def program() -> None:
    k8s.rbac.v1.RoleBinding(
        "payments-edit",
        metadata={"name": "payments-edit", "namespace": "payments"},
        role_ref={"api_group": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
        subjects=[{"kind": "ServiceAccount", "name": "payments-api", "namespace": "payments"}],
    )
