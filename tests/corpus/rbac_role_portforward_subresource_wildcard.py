"""A Role reaching port-forward through the `*/portforward` form the authorizer matches."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-role-pod-exec"}


def program() -> None:
    k8s.rbac.v1.Role(
        "tunnel",
        metadata={"name": "tunnel", "namespace": "cms"},
        rules=[{"api_groups": [""], "resources": ["*/portforward"], "verbs": ["create"]}],
    )
