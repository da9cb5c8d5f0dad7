"""A ClusterRoleBinding of the built-in admin role: every namespace's Secrets, readable and writable."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-rolebinding-builtin-roles"}


def program() -> None:
    k8s.rbac.v1.ClusterRoleBinding(
        "orders-admin",
        metadata={"name": "orders-admin"},
        role_ref={"api_group": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
        subjects=[{"kind": "ServiceAccount", "name": "orders-api", "namespace": "orders"}],
    )
