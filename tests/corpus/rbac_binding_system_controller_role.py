"""A binding to a system controller role, which reads Secrets for the control plane."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-rolebinding-builtin-roles"}


def program() -> None:
    k8s.rbac.v1.ClusterRoleBinding(
        "borrowed-controller",
        metadata={"name": "borrowed-controller"},
        role_ref={
            "api_group": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "system:controller:persistent-volume-binder",
        },
        subjects=[{"kind": "ServiceAccount", "name": "storage-helper", "namespace": "tools"}],
    )
