"""Passes: the platform's own narrow token use, one named ServiceAccount, for the External Secrets
controller."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED: set[str] = set()


def program() -> None:
    k8s.rbac.v1.Role(
        "ledger-sync-token",
        metadata={"name": "ledger-sync-token", "namespace": "payments"},
        rules=[
            {
                "api_groups": [""],
                "resources": ["serviceaccounts/token"],
                "resource_names": ["ledger-secret-sync"],
                "verbs": ["create"],
            }
        ],
    )
    k8s.rbac.v1.RoleBinding(
        "ledger-sync-token",
        metadata={"name": "ledger-sync-token", "namespace": "payments"},
        role_ref={"api_group": "rbac.authorization.k8s.io", "kind": "Role", "name": "ledger-sync-token"},
        subjects=[{"kind": "ServiceAccount", "name": "external-secrets", "namespace": "external-secrets"}],
    )
