"""An audit device that writes every secret value it sees to the log in clear."""

from __future__ import annotations

import pulumi
import pulumi_vault as vault

EXPECTED = {"vault-audit-device-hmac"}


def program() -> None:
    vault.Audit(
        "audit",
        type="file",
        path="secrets-platform",
        options={"file_path": "/vault/audit/audit.log", "format": "json", "log_raw": "true"},
        opts=pulumi.ResourceOptions(protect=True),
    )
