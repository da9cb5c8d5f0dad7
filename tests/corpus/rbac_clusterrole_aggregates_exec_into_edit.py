"""A ClusterRole labelled to aggregate into the built-in edit role, carrying pods/exec to every subject
of edit."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-role-pod-exec", "kubernetes-clusterrole-aggregation"}


def program() -> None:
    k8s.rbac.v1.ClusterRole(
        "exec-for-editors",
        metadata={
            "name": "exec-for-editors",
            "labels": {"rbac.authorization.k8s.io/aggregate-to-edit": "true"},
        },
        rules=[{"api_groups": [""], "resources": ["pods/exec"], "verbs": ["create"]}],
    )
