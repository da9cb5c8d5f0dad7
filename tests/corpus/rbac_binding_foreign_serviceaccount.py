"""A RoleBinding in payments naming a ServiceAccount of another namespace: whoever runs pods there
reads payments' Secrets."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-rolebinding-subject-namespace"}


def program() -> None:
    k8s.rbac.v1.RoleBinding(
        "borrowed-reader",
        metadata={"name": "borrowed-reader", "namespace": "payments"},
        role_ref={
            "api_group": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": "payments-api-secret-reader",
        },
        subjects=[{"kind": "ServiceAccount", "name": "default", "namespace": "tools"}],
    )
