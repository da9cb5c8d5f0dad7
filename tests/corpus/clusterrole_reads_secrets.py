"""A ClusterRole that reads one Secret name in every namespace."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-clusterrole-secrets"}


def program() -> None:
    k8s.rbac.v1.ClusterRole(
        "reader",
        metadata={"name": "reader"},
        rules=[
            {
                "api_groups": [""],
                "resources": ["secrets"],
                "resource_names": ["payments-db-v1"],
                "verbs": ["get"],
            }
        ],
    )
