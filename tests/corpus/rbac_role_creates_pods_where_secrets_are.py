"""A workload's ServiceAccount may create pods in the namespace that holds its Secrets: a pod that
mounts any of them is one `create` away."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import token

EXPECTED = {"kubernetes-role-workload-write"}


def program() -> None:
    k8s.core.v1.Secret(
        "payments-db",
        metadata={
            "name": "payments-db-v9",
            "namespace": "payments",
            "annotations": {"secrets-platform/rotation-days": "30"},
        },
        string_data={"password": token()},
    )
    k8s.rbac.v1.Role(
        "pod-launcher",
        metadata={"name": "pod-launcher", "namespace": "payments"},
        rules=[{"api_groups": [""], "resources": ["pods"], "verbs": ["create", "get"]}],
    )
    k8s.rbac.v1.RoleBinding(
        "pod-launcher",
        metadata={"name": "pod-launcher", "namespace": "payments"},
        role_ref={"api_group": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-launcher"},
        subjects=[{"kind": "ServiceAccount", "name": "batch-runner", "namespace": "payments"}],
    )
