"""A Vault policy granting sudo and write on the path it should only read."""

from __future__ import annotations

import pulumi_vault as vault

from tests.corpus._safe import audited_vault_server

EXPECTED = {"vault-policy-capabilities"}


def program() -> None:
    audited_vault_server()
    vault.Policy(
        "sync-policy",
        name="orders-sync",
        policy='path "secrets-platform/data/secrets-dev/orders-queue" {\n'
        '  capabilities = ["read", "update", "sudo"]\n}\n',
    )
