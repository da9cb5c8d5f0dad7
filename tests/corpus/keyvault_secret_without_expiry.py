"""A Key Vault secret that never expires."""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

EXPECTED = {"azure-keyvault-secret-expiry", "stack-secret-rotation-coverage"}


def program() -> None:
    azure_native.keyvault.Secret(
        "orders-queue",
        secret_name="orders-queue",
        resource_group_name="rg-secrets-prod",
        vault_name="kv-secrets-prod-weu",
        properties={"value": pulumi.Config("secrets-platform").require_secret("token")},
    )
