"""A JWT auth role with no audience and a globbed subject: any ServiceAccount token of the cluster works."""

from __future__ import annotations

import pulumi
import pulumi_vault as vault

EXPECTED = {"vault-auth-role-binding"}


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
    vault.jwt.AuthBackendRole(
        "sync-role",
        backend="secrets-platform-jwt",
        role_name="orders-sync",
        role_type="jwt",
        user_claim="sub",
        bound_subject="system:serviceaccount:orders:*",
        token_policies=["orders-sync"],
        token_ttl=600,
    )
