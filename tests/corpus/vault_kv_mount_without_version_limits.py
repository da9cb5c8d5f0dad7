"""A KV v2 mount with no version limits: it keeps 10 versions of every secret, forever."""

from __future__ import annotations

import pulumi
import pulumi_vault as vault

EXPECTED = {"vault-kv-version-limits"}


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
    vault.Mount("kv", path="secrets-platform", type="kv", options={"version": "2"})
