"""A Vault policy granting sudo and write on the path it should only read."""

from __future__ import annotations

import pulumi
import pulumi_vault as vault

EXPECTED = {"vault-policy-capabilities"}


def audited() -> None:
    """Everything but the one mistake: an audit device that HMACs values."""
    vault.Audit(
        "audit",
        type="file",
        path="secrets-platform",
        options={
            "file_path": "/vault/audit/audit.log",
            "format": "json",
            "log_raw": "false",
            "hmac_accessor": "true",
        },
        opts=pulumi.ResourceOptions(protect=True),
    )


def program() -> None:
    audited()
    vault.Policy(
        "sync-policy",
        name="orders-sync",
        policy='path "secrets-platform/data/secrets-dev/orders-queue" {\n'
        '  capabilities = ["read", "update", "sudo"]\n}\n',
    )
