"""A JWT auth role issuing periodic tokens without an explicit max TTL: a sync identity's token, once
stolen, renews forever."""

from __future__ import annotations

import pulumi_vault as vault

from tests.corpus._safe import audited_vault_server

EXPECTED = {"vault-auth-role-token-ttl"}


def program() -> None:
    audited_vault_server()
    vault.jwt.AuthBackendRole(
        "sync-role",
        backend="secrets-platform-jwt",
        role_name="orders-sync",
        role_type="jwt",
        user_claim="sub",
        bound_audiences=["vault"],
        bound_subject="system:serviceaccount:orders:orders-api-vault-sync",
        token_policies=["orders-sync"],
        token_ttl=600,
        token_period=3600,
    )
