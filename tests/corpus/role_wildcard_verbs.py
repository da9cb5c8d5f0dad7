"""A Role that may do anything to ConfigMaps: '*' in verbs."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-role-wildcards"}


def program() -> None:
    k8s.rbac.v1.Role(
        "config-editor",
        metadata={"name": "config-editor", "namespace": "payments"},
        rules=[{"api_groups": [""], "resources": ["configmaps"], "verbs": ["*"]}],
    )
