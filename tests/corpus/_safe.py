"""Safe building blocks for corpus cases: each case changes one thing and keeps the rest of its
resources as the platform declares them, so it is caught by exactly the policies it names.

Not a case itself (its name starts with `_`): the corpus test skips it.
"""

from __future__ import annotations

import time
from typing import Any

import pulumi

TOKEN_KEY = "token"
"""The secret config key every case may read (`secrets-platform:token`)."""

SAFE_CONTEXT: dict[str, Any] = {
    "run_as_non_root": True,
    "run_as_user": 65532,
    "run_as_group": 65532,
    "allow_privilege_escalation": False,
    "read_only_root_filesystem": True,
    "capabilities": {"drop": ["ALL"]},
    "seccomp_profile": {"type": "RuntimeDefault"},
}
SAFE_IMAGE = (
    "ghcr.io/example/payments-api@sha256:3b7d0e5c9a1f4e8b2c6d0a9f7e5c3b1a8d6f4e2c0b9a7d5f3e1c8b6a4d2f0e9c"
)
"""By digest, as prod requires (kubernetes-container-image-digest)."""
SAFE_SECRET_VOLUME = {"name": "secrets", "secret": {"secret_name": "payments-db-v1", "default_mode": 0o400}}

SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-000000000000"
GROUP = f"{SUBSCRIPTION}/resourceGroups/rg-secrets-prod"
VAULT_ID = f"{GROUP}/providers/Microsoft.KeyVault/vaults/kv-secrets-prod-weu"
WORKSPACE_ID = f"{GROUP}/providers/Microsoft.OperationalInsights/workspaces/log-secrets"
ACCOUNT = "111122223333"
KMS_KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SECRET_ARN = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:payments-db-AbCdEf"


def token() -> pulumi.Output[str]:
    """The case's secret, read as the platform reads one (a secure config value)."""
    return pulumi.Config("secrets-platform").require_secret(TOKEN_KEY)


def container(**changes: Any) -> dict[str, Any]:
    """A container as the platform declares one: non-root, no privilege escalation."""
    return {"name": "api", "image": SAFE_IMAGE, "security_context": SAFE_CONTEXT, **changes}


def pod_spec(**changes: Any) -> dict[str, Any]:
    """A pod spec that mounts one Secret read-only for its owner and mounts no API token."""
    return {
        "automount_service_account_token": False,
        "security_context": {"run_as_non_root": True, "run_as_user": 65532, "fs_group": 65532},
        "containers": [
            container(volume_mounts=[{"name": "secrets", "mount_path": "/run/secrets", "read_only": True}])
        ],
        "volumes": [SAFE_SECRET_VOLUME],
        **changes,
    }


def template(name: str, **changes: Any) -> dict[str, Any]:
    return {"metadata": {"labels": {"app": name}}, "spec": pod_spec(**changes)}


def deployment_spec(name: str, **changes: Any) -> dict[str, Any]:
    return {"selector": {"match_labels": {"app": name}}, "template": template(name, **changes)}


def aks_cluster_args(**changes: Any) -> dict[str, Any]:
    """An AKS cluster as the platform declares one: Entra ID with Azure RBAC, no local accounts, KMS,
    API server restricted to the operators' network."""
    return {
        "resource_group_name": "rg-secrets-prod",
        "dns_prefix": "secrets-prod",
        "disable_local_accounts": True,
        "enable_rbac": True,
        "aad_profile": {"managed": True, "enable_azure_rbac": True},
        "api_server_access_profile": {"authorized_ip_ranges": ["198.51.100.0/24"]},
        "security_profile": {
            "workload_identity": {"enabled": True},
            "azure_key_vault_kms": {
                "enabled": True,
                "key_id": "https://kv-secrets-prod-weu.vault.azure.net/keys/secrets-prod-secrets/0123456789abcdef",
                "key_vault_network_access": "Private",
                "key_vault_resource_id": VAULT_ID,
            },
        },
        "tags": {"secrets-platform/kms-key-version-created": str(int(time.time()) - 86400)},
        **changes,
    }


def vault_properties(**changes: Any) -> dict[str, Any]:
    """Key Vault properties as the platform declares them."""
    return {
        "tenant_id": "8f1c2a4e-1b2c-4d5e-8f90-1a2b3c4d5e6f",
        "sku": {"family": "A", "name": "premium"},
        "enable_rbac_authorization": True,
        "enable_soft_delete": True,
        "soft_delete_retention_in_days": 90,
        "enable_purge_protection": True,
        "network_acls": {
            "default_action": "Deny",
            "bypass": "AzureServices",
            "ip_rules": [{"value": "198.51.100.0/24"}],
        },
        **changes,
    }


def audit_logs(resource: pulumi.Resource, name: str, category: str) -> None:
    """The diagnostic setting that sends a vault's or cluster's audit log to the workspace."""
    import pulumi_azure_native as azure_native

    azure_native.monitor.DiagnosticSetting(
        f"{name}-audit",
        resource_uri=resource.id,
        workspace_id=WORKSPACE_ID,
        logs=[{"category": category, "enabled": True}],
    )


def audited_vault_server() -> None:
    """A HashiCorp Vault audit device that HMACs values, for cases about other Vault flaws."""
    import pulumi_vault as vault

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
