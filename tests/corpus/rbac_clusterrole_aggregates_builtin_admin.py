"""A ClusterRole whose rules are whatever the built-in admin role aggregates, Secrets included."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-clusterrole-aggregation"}


def program() -> None:
    k8s.rbac.v1.ClusterRole(
        "platform-admin",
        metadata={"name": "platform-admin"},
        aggregation_rule={
            "cluster_role_selectors": [
                {"match_labels": {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}}
            ]
        },
    )
