"""A CI ServiceAccount that patches Deployments where Secrets are: a patched pod template mounts any
Secret of the namespace."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import token

EXPECTED = {"kubernetes-role-workload-write"}


def program() -> None:
    k8s.core.v1.Secret(
        "orders-queue",
        metadata={
            "name": "orders-queue-v9",
            "namespace": "orders",
            "annotations": {"secrets-platform/rotation-days": "30"},
        },
        string_data={"password": token()},
    )
    k8s.rbac.v1.Role(
        "ci-deployer",
        metadata={"name": "ci-deployer", "namespace": "orders"},
        rules=[{"api_groups": ["apps"], "resources": ["deployments"], "verbs": ["get", "patch", "update"]}],
    )
    k8s.rbac.v1.RoleBinding(
        "ci-deployer",
        metadata={"name": "ci-deployer", "namespace": "orders"},
        role_ref={"api_group": "rbac.authorization.k8s.io", "kind": "Role", "name": "ci-deployer"},
        subjects=[{"kind": "ServiceAccount", "name": "ci", "namespace": "orders"}],
    )
