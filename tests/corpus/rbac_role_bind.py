"""A Role that may bind any role, cluster-admin included, to anyone in the namespace."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-role-privilege-escalation"}


def program() -> None:
    k8s.rbac.v1.Role(
        "binder",
        metadata={"name": "binder", "namespace": "payments"},
        rules=[
            {"api_groups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings"], "verbs": ["create"]},
            {"api_groups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["bind"]},
        ],
    )
