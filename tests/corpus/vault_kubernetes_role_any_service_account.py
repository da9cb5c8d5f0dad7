"""A Kubernetes auth role that lets every ServiceAccount of every namespace log in."""

from __future__ import annotations

import pulumi_vault as vault

from tests.corpus._safe import audited_vault_server

EXPECTED = {"vault-auth-role-binding"}


def program() -> None:
    audited_vault_server()
    vault.kubernetes.AuthBackendRole(
        "sync-role",
        backend="kubernetes",
        role_name="orders-sync",
        bound_service_account_names=["*"],
        bound_service_account_namespaces=["*"],
        token_policies=["orders-sync"],
        token_ttl=600,
        token_max_ttl=600,
    )
