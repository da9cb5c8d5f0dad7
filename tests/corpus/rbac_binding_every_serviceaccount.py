"""A binding to the group of every ServiceAccount of the cluster."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-rolebinding-subjects"}


def program() -> None:
    k8s.rbac.v1.RoleBinding(
        "everyone-reads",
        metadata={"name": "everyone-reads", "namespace": "payments"},
        role_ref={
            "api_group": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": "payments-api-secret-reader",
        },
        subjects=[
            {"kind": "Group", "name": "system:serviceaccounts", "api_group": "rbac.authorization.k8s.io"}
        ],
    )
