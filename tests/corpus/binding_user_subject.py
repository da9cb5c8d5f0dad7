"""A reader Role bound to a person instead of a ServiceAccount."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-rolebinding-subjects"}


def program() -> None:
    k8s.rbac.v1.RoleBinding(
        "reader-alice",
        metadata={"name": "reader-alice", "namespace": "payments"},
        role_ref={
            "api_group": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": "payments-api-secret-reader",
        },
        subjects=[{"kind": "User", "name": "alice@example.com", "api_group": "rbac.authorization.k8s.io"}],
    )
