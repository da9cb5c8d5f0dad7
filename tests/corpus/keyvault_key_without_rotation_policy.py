"""A Key Vault key that never rotates."""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

EXPECTED = {"azure-keyvault-key-rotation-policy", "stack-secret-rotation-coverage"}


def program() -> None:
    azure_native.keyvault.Key(
        "secrets-key",
        key_name="secrets-prod-secrets",
        resource_group_name="rg-secrets-prod",
        vault_name="kv-secrets-prod-weu",
        properties={"kty": "RSA-HSM", "key_size": 3072},
        opts=pulumi.ResourceOptions(protect=True),
    )
