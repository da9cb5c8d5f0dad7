"""A Vault policy reading a whole subtree: every secret written there later is readable too."""

from __future__ import annotations

import pulumi
import pulumi_vault as vault

EXPECTED = {"vault-policy-paths"}


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
        policy='path "secrets-platform/data/secrets-dev/*" {\n  capabilities = ["read"]\n}\n',
    )
