"""A Vault policy with a `+` segment glob: every environment's orders-queue is readable."""

from __future__ import annotations

import pulumi_vault as vault

from tests.corpus._safe import audited_vault_server

EXPECTED = {"vault-policy-paths"}


def program() -> None:
    audited_vault_server()
    vault.Policy(
        "sync",
        name="orders-sync-any-env",
        policy='path "secrets-platform/data/+/orders-queue" {\n  capabilities = ["read"]\n}\n',
    )
