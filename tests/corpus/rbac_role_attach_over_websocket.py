"""A Role granting `get` on pods/attach: a WebSocket client attaches with a GET, authorized as get."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-role-pod-exec"}


def program() -> None:
    k8s.rbac.v1.Role(
        "attach",
        metadata={"name": "attach", "namespace": "orders"},
        rules=[{"api_groups": [""], "resources": ["pods/attach"], "verbs": ["get"]}],
    )
