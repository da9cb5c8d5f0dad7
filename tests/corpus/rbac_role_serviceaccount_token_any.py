"""A Role that mints tokens for every ServiceAccount of the namespace, not the one it needs."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-role-serviceaccount-token"}


def program() -> None:
    k8s.rbac.v1.Role(
        "token-minter",
        metadata={"name": "token-minter", "namespace": "orders"},
        rules=[{"api_groups": [""], "resources": ["serviceaccounts/token"], "verbs": ["create"]}],
    )
