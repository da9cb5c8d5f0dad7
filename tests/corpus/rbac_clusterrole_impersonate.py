"""A ClusterRole that impersonates users and groups: system:masters is one header away."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-role-privilege-escalation"}


def program() -> None:
    k8s.rbac.v1.ClusterRole(
        "impersonator",
        metadata={"name": "impersonator"},
        rules=[{"api_groups": [""], "resources": ["users", "groups"], "verbs": ["impersonate"]}],
    )
