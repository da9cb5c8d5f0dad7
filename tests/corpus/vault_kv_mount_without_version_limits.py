"""A KV v2 mount with no version limits: it keeps 10 versions of every secret, forever."""

from __future__ import annotations

import pulumi_vault as vault

from tests.corpus._safe import audited_vault_server

EXPECTED = {"vault-kv-version-limits"}


def program() -> None:
    audited_vault_server()
    vault.Mount("kv", path="secrets-platform", type="kv", options={"version": "2"})
