"""A Key Vault secret whose value is a plain literal: stored in clear in the state, shown in previews,
and written in the program instead of read from a secret source."""

from __future__ import annotations

import time

import pulumi_azure_native as azure_native

EXPECTED = {"offline-secret-input-marked", "offline-secret-value-source"}


def program() -> None:
    azure_native.keyvault.Secret(
        "orders-queue",
        secret_name="orders-queue",
        resource_group_name="rg-secrets-prod",
        vault_name="kv-secrets-prod-weu",
        properties={
            "value": "written-in-the-program",
            "attributes": {"expires": int(time.time()) + 30 * 86400},
        },
    )
