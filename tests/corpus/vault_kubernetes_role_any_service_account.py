"""A Kubernetes auth role that lets every ServiceAccount of every namespace log in."""

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
    vault.kubernetes.AuthBackendRole(
        "sync-role",
        backend="kubernetes",
        role_name="orders-sync",
        bound_service_account_names=["*"],
        bound_service_account_namespaces=["*"],
        token_policies=["orders-sync"],
        token_ttl=600,
    )
