"""A Vault Kubernetes auth role bound to a ServiceAccount in two namespaces."""

from __future__ import annotations

import pulumi_vault as vault

from tests.corpus._safe import audited_vault_server

EXPECTED = {"vault-auth-role-binding"}


def program() -> None:
    audited_vault_server()
    vault.kubernetes.AuthBackendRole(
        "sync",
        backend="kubernetes",
        role_name="orders-sync",
        bound_service_account_names=["orders-api-vault-sync"],
        bound_service_account_namespaces=["orders", "tools"],
        token_policies=["orders-sync"],
        token_max_ttl=600,
        audience="vault",
    )
