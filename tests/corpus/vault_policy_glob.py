"""A Vault policy reading a whole subtree: every secret written there later is readable too."""

from __future__ import annotations

import pulumi_vault as vault

from tests.corpus._safe import audited_vault_server

EXPECTED = {"vault-policy-paths"}


def program() -> None:
    audited_vault_server()
    vault.Policy(
        "sync-policy",
        name="orders-sync",
        policy='path "secrets-platform/data/secrets-dev/*" {\n  capabilities = ["read"]\n}\n',
    )
