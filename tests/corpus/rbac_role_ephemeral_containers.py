"""A Role that adds ephemeral containers to running pods: they share the pod's Secret volumes."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-role-pod-exec"}


def program() -> None:
    k8s.rbac.v1.Role(
        "debugger",
        metadata={"name": "debugger", "namespace": "payments"},
        rules=[{"api_groups": [""], "resources": ["pods/ephemeralcontainers"], "verbs": ["patch"]}],
    )
