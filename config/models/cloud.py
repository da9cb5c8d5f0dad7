"""The cloud of a stack (`aws:` or `azure:`) and where its alerts go."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from config.models.base import Cidr, Model


class AwsConfig(Model):
    """Settings used when `cloud: aws`. The region is the provider's own `aws:region`."""

    account_id: Annotated[str, Field(pattern=r"^\d{12}$")]
    """The 12-digit AWS account the stack deploys into (key policies name its root)."""
    operator_role_arn: Annotated[str, Field(pattern=r"^arn:aws:iam::\d{12}:role/[\w+=,.@/-]+$")]
    """IAM role of the infrastructure operations team: EKS cluster admin and KMS key admin."""
    subnet_ids: Annotated[
        list[Annotated[str, Field(pattern=r"^subnet-[0-9a-f]{8,17}$")]], Field(min_length=2)
    ]
    """Private subnets (in at least two availability zones) for the cluster and its nodes."""
    kms_deletion_window_days: Annotated[int, Field(ge=7, le=30)] = 30
    """Days a scheduled KMS key deletion waits before it happens (AWS allows 7 to 30)."""
    secret_recovery_window_days: Annotated[int, Field(ge=7, le=30)] = 30
    """Days a deleted Secrets Manager secret stays recoverable (AWS allows 7 to 30)."""


class AzureConfig(Model):
    """Settings used when `cloud: azure`. The region is the provider's `azure-native:location`."""

    tenant_id: Annotated[str, Field(pattern=r"^[0-9a-fA-F-]{36}$")]
    """Entra ID tenant that owns the Key Vault and the cluster identities."""
    resource_group_name: Annotated[str, Field(min_length=1, max_length=90, pattern=r"^[-\w._()]+$")]
    """Resource group that holds every resource of the stack."""
    key_vault_name: Annotated[str, Field(pattern=r"^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$")]
    """Globally unique Key Vault name (3 to 24 characters)."""
    operator_group_object_id: Annotated[str, Field(pattern=r"^[0-9a-fA-F-]{36}$")]
    """Entra ID group of the infrastructure operations team (cluster and vault administrators)."""
    soft_delete_retention_days: Annotated[int, Field(ge=7, le=90)] = 90
    """Days a deleted vault or secret stays recoverable (Azure allows 7 to 90)."""
    operator_group_name: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    """Display name of `operatorGroupObjectId`, required with the CMS: the CMS database's Microsoft Entra
    administrator is that group, and Flexible Server names the group's PostgreSQL role (the user name its
    members log in with) after it."""
    key_vault_allowed_cidrs: list[Cidr] = []
    """Public IPv4 networks (operators' offices, a self-hosted runner) let through the vault's firewall,
    which denies everything else; the cluster and the rotation function reach it from the stack's VNet."""
    network_cidr: Cidr = "10.240.0.0/16"
    """Address space of the stack's VNet (/16 to /24): nodes get its first half; the API server, the
    rotation function and the CMS database small subnets of the second half."""


class AlertingConfig(Model):
    """Where alerts on unauthorized access go."""

    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    """Address subscribed to the alert topic or action group."""
    denied_access_threshold: Annotated[int, Field(ge=1, le=1000)] = 1
    """Denied secret or key accesses in 5 minutes that raise an alarm."""
    bff_auth_failure_threshold: Annotated[int, Field(ge=1, le=100_000)] = 20
    """BFF answers 401 or 403 in 5 minutes that raise an alarm (token guessing, a revoked app)."""
    bff_rate_limited_threshold: Annotated[int, Field(ge=1, le=1_000_000)] = 100
    """BFF answers 429 in 5 minutes that raise an alarm (a surge or a scraper)."""
    cms_login_failure_threshold: Annotated[int, Field(ge=1, le=10_000)] = 3
    """Failed logins to the CMS in 5 minutes that raise an alarm."""
