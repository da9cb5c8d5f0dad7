"""A Vault KV secret whose data is written in the program."""

from __future__ import annotations

import json

import pulumi_vault as vault

from tests.corpus._safe import audited_vault_server

EXPECTED = {"offline-secret-value-source"}


def program() -> None:
    audited_vault_server()
    vault.kv.SecretV2(
        "webhook-key",
        mount="secrets-platform",
        name="secrets-dev/orders-webhook-key",
        data_json=json.dumps({"signing-key": "signing-key-in-code"}),
    )
