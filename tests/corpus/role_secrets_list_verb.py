"""A reader Role that may also list its Secrets: list returns every Secret's data."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-role-secret-verbs"}


def program() -> None:
    k8s.rbac.v1.Role(
        "reader",
        metadata={"name": "reader", "namespace": "payments"},
        rules=[
            {
                "api_groups": [""],
                "resources": ["secrets"],
                "resource_names": ["payments-db-v1"],
                "verbs": ["get", "list"],
            }
        ],
    )
