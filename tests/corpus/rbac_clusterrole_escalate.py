"""A ClusterRole that may escalate roles: its holder writes any permission into a role it can bind."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-role-privilege-escalation"}


def program() -> None:
    k8s.rbac.v1.ClusterRole(
        "role-editor",
        metadata={"name": "role-editor"},
        rules=[
            {
                "api_groups": ["rbac.authorization.k8s.io"],
                "resources": ["clusterroles"],
                "verbs": ["get", "update", "escalate"],
            }
        ],
    )
