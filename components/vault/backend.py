"""Vault as a second store beside the cloud's (`components/cloud.py` interface): KV v2 secrets, JWT
auth roles per workload, a Vault audit device, delivered by External Secrets.

It turns the stack config into each component's narrow arguments; nothing else here decides. Unlike a
cloud backend it has no cluster: `foundation()` mounts what the platform needs on an existing Vault,
and it reads the cloud foundation's ServiceAccount token issuer, and the cloud audit's alert target.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from components.cloud import IdentityRequest
from components.kubernetes.external_secrets.delivery import SecretDeliveryArgs
from components.vault.audit import VaultAudit, VaultAuditArgs, VaultAwsAlerts, VaultAzureAlerts
from components.vault.database import VaultDatabaseEngineArgs
from components.vault.foundation import VaultFoundation, VaultFoundationArgs
from components.vault.paths import database_creds_path, database_role_name, kv_data_path
from components.vault.secret_delivery import VaultSecretDelivery
from components.vault.secret_store import VaultSecretStore, VaultSecretStoreArgs
from components.vault.workload_identity import VaultSyncIdentity, VaultSyncIdentityArgs
from config.models import CloudSecret, StackConfig, VaultConfig


def vault_entries(stack: StackConfig) -> list[CloudSecret]:
    """The stack's `store: hashicorp-vault` secrets, in catalogue order."""
    return [e for e in stack.secrets if isinstance(e, CloudSecret) and e.store == "hashicorp-vault"]


class VaultBackend:
    """The parts of the store interface, on the stack's Vault."""

    def __init__(
        self,
        stack: StackConfig,
        cloud_foundation: Any,
        cloud_audit: Any = None,
        literals: Mapping[str, pulumi.Output[str]] | None = None,
    ) -> None:
        """`cloud_audit` is the cloud store's audit (`SecretDelivery.audit`), whose alert target the
        Vault audit's alerts share (AWS: its SNS topic; Azure: its workspace and action group)."""
        if stack.vault is None:  # the platform builds a VaultBackend only for a stack with `vault:`
            raise ValueError("a Vault store needs the secrets-platform:vault block")
        self._stack = stack
        self._vault: VaultConfig = stack.vault
        self._cloud = cloud_foundation
        self._cloud_audit = cloud_audit
        self._literals = literals or {}

    def foundation(self, name: str, opts: pulumi.ResourceOptions) -> VaultFoundation:
        entries = vault_entries(self._stack)
        return VaultFoundation(
            name,
            VaultFoundationArgs(
                vault=self._vault,
                cluster_name=self._stack.cluster.name,
                oidc_issuer=self._cloud.oidc_issuer,
                longest_rotation_days=max((e.rotation_days for e in entries), default=90),
            ),
            opts,
        )

    def secret_store(
        self,
        name: str,
        foundation: VaultFoundation,
        entries: Sequence[CloudSecret],
        opts: pulumi.ResourceOptions,
    ) -> VaultSecretStore:
        cfg = self._vault
        return VaultSecretStore(
            name,
            VaultSecretStoreArgs(
                entries=list(entries),
                cluster_name=self._stack.cluster.name,
                kv_mount=foundation.kv_mount,
                address=cfg.address,
                auth_mount=foundation.auth_mount,
                audience=cfg.jwt_audience,
                max_versions=cfg.max_versions,
                grace_days=cfg.version_grace_days,
                database=VaultDatabaseEngineArgs(
                    cluster_name=self._stack.cluster.name,
                    mount=cfg.database_mount,
                    databases=list(cfg.databases),
                    passwords={
                        d.password_key: self._literals[d.password_key]
                        for d in cfg.databases
                        if d.password_key in self._literals
                    },
                    entries=[e for e in entries if e.database is not None],
                )
                if cfg.databases
                else None,
            ),
            opts,
        )

    def read_paths(self, entries: Sequence[CloudSecret]) -> list[str]:
        """The exact Vault paths a sync identity of these entries reads."""
        cfg = self._vault
        cluster = self._stack.cluster.name
        return [
            kv_data_path(cfg.kv_mount, cluster, e.name)
            if e.database is None
            else database_creds_path(cfg.database_mount, database_role_name(cluster, e.name))
            for e in entries
        ]

    def workload_identity(
        self,
        name: str,
        foundation: VaultFoundation,
        store: VaultSecretStore,
        request: IdentityRequest,
        opts: pulumi.ResourceOptions,
    ) -> VaultSyncIdentity:
        cfg = self._vault
        return VaultSyncIdentity(
            name,
            VaultSyncIdentityArgs(
                workload=request.workload,
                read_paths=self.read_paths(request.entries),
                cluster_name=self._stack.cluster.name,
                auth_mount=foundation.auth_mount,
                audience=cfg.jwt_audience,
                token_ttl_seconds=cfg.token_ttl_seconds,
                namespace=request.namespace,
            ),
            opts,
        )

    def audit(
        self,
        name: str,
        foundation: VaultFoundation,
        expected_readers: Sequence[pulumi.Input[str]],
        opts: pulumi.ResourceOptions,
    ) -> VaultAudit:
        stack, cloud_audit = self._stack, self._cloud_audit
        aws_alerts, azure_alerts = None, None
        if stack.cloud == "aws" and stack.aws is not None and cloud_audit is not None:
            aws_alerts = VaultAwsAlerts(
                aws=stack.aws,
                region=stack.region,
                alarm_topic=cloud_audit.alarm_topic,
                alerting=stack.alerting,
                log_retention_days=stack.cluster.log_retention_days,
            )
        if stack.cloud == "azure" and cloud_audit is not None:
            azure_alerts = VaultAzureAlerts(
                resource_group_name=self._cloud.resource_group_name,
                region=stack.region,
                workspace_id=cloud_audit.workspace_id,
                action_group_id=cloud_audit.action_group_id,
                alerting=stack.alerting,
            )
        return VaultAudit(
            name,
            VaultAuditArgs(
                audit=self._vault.audit,
                cluster_name=stack.cluster.name,
                kv_mount=self._vault.kv_mount,
                expected_readers=list(expected_readers),
                aws_alerts=aws_alerts,
                azure_alerts=azure_alerts,
            ),
            opts,
        )

    def secret_delivery(
        self, name: str, args: SecretDeliveryArgs, opts: pulumi.ResourceOptions
    ) -> VaultSecretDelivery:
        return VaultSecretDelivery(name, args, opts)
