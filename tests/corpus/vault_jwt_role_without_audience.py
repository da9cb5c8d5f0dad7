"""A JWT auth role with no audience and a globbed subject: any ServiceAccount token of the cluster works."""

from __future__ import annotations

import pulumi_vault as vault

from tests.corpus._safe import audited_vault_server

EXPECTED = {"vault-auth-role-binding"}


def program() -> None:
    audited_vault_server()
    vault.jwt.AuthBackendRole(
        "sync-role",
        backend="secrets-platform-jwt",
        role_name="orders-sync",
        role_type="jwt",
        user_claim="sub",
        bound_subject="system:serviceaccount:orders:*",
        token_policies=["orders-sync"],
        token_ttl=600,
        token_max_ttl=600,
    )
