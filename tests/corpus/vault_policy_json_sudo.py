"""A Vault policy in JSON form granting sudo: the JSON spelling is read as Vault reads it."""

from __future__ import annotations

import json

import pulumi_vault as vault

from tests.corpus._safe import audited_vault_server

EXPECTED = {"vault-policy-capabilities"}


def program() -> None:
    audited_vault_server()
    document = {
        "path": {"secrets-platform/data/secrets-dev/orders-queue": {"capabilities": ["read", "sudo"]}}
    }
    vault.Policy("ops", name="orders-ops", policy=json.dumps(document))
