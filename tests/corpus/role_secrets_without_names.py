"""A Role that may get every Secret of its namespace (no resourceNames)."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-role-secret-resource-names"}


def program() -> None:
    k8s.rbac.v1.Role(
        "reader",
        metadata={"name": "reader", "namespace": "payments"},
        rules=[{"api_groups": [""], "resources": ["secrets"], "verbs": ["get"]}],
    )
