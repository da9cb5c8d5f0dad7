"""A ClusterRole with `get` on nodes/proxy: the kubelet's API runs commands in any pod of the node."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-role-pod-exec"}


def program() -> None:
    k8s.rbac.v1.ClusterRole(
        "node-metrics",
        metadata={"name": "node-metrics"},
        rules=[{"api_groups": [""], "resources": ["nodes/proxy", "nodes/stats"], "verbs": ["get"]}],
    )
