"""An exec Role declared as plain objects of a ConfigGroup, where a reviewer may not look."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-role-pod-exec"}


def program() -> None:
    k8s.yaml.v2.ConfigGroup(
        "debug-tools",
        objs=[
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "Role",
                "metadata": {"name": "debug-tools", "namespace": "payments"},
                "rules": [{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create", "get"]}],
            }
        ],
    )
