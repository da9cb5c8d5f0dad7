"""A Role that lets its subjects exec into the pods of a namespace, and so read every Secret they mount."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-role-pod-exec"}


def program() -> None:
    k8s.rbac.v1.Role(
        "debug",
        metadata={"name": "debug", "namespace": "payments"},
        rules=[
            {"api_groups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list"]},
            {"api_groups": [""], "resources": ["pods/exec"], "verbs": ["create"]},
        ],
    )
