"""The Azure backend of the cloud interface (`components/cloud.py`): AKS with Key Vault KMS, Key Vault
secrets with the rotation function, Entra workload identities, Log Analytics audit with alerts.

It turns the stack config into each component's narrow arguments; nothing else here decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pulumi

from components.azure.audit import AzureAuditArgs, AzureSecretAccessAudit
from components.azure.foundation import AzureFoundation, AzureFoundationArgs
from components.azure.secret_delivery import AzureSecretDelivery
from components.azure.secret_store import AzureSecretStore, AzureSecretStoreArgs
from components.azure.workload_identity import AzureWorkloadIdentity, AzureWorkloadIdentityArgs
from components.cloud import IdentityRequest
from components.kubernetes.external_secrets.delivery import SecretDeliveryArgs
from config.models import AzureConfig, CloudSecret, StackConfig


class AzureBackend:
    """The parts of the cloud interface, on Azure."""

    def __init__(self, stack: StackConfig, project_dir: Path) -> None:
        if stack.azure is None:  # config/references.py requires the block on an Azure stack
            raise ValueError("an Azure stack needs the secrets-platform:azure block")
        self._stack = stack
        self._azure: AzureConfig = stack.azure
        self._project_dir = project_dir

    def foundation(self, name: str, opts: pulumi.ResourceOptions) -> AzureFoundation:
        return AzureFoundation(name, foundation_args(self._stack), opts)

    def secret_store(
        self,
        name: str,
        foundation: AzureFoundation,
        entries: Sequence[CloudSecret],
        opts: pulumi.ResourceOptions,
    ) -> AzureSecretStore:
        azure = self._azure
        return AzureSecretStore(
            name,
            AzureSecretStoreArgs(
                entries=list(entries),
                cluster_name=self._stack.cluster.name,
                key_vault_name=azure.key_vault_name,
                tenant_id=azure.tenant_id,
                region=self._stack.region,
                resource_group_name=foundation.resource_group_name,
                vault_id=foundation.vault_id,
                vault_uri=foundation.vault_uri,
                store_key_name=foundation.store_key_name,
                store_key_resource_id=foundation.store_key_resource_id,
                functions_subnet_id=foundation.functions_subnet_id,
                project_dir=self._project_dir,
            ),
            opts,
        )

    def workload_identity(
        self,
        name: str,
        foundation: AzureFoundation,
        store: AzureSecretStore,
        request: IdentityRequest,
        opts: pulumi.ResourceOptions,
    ) -> AzureWorkloadIdentity:
        return AzureWorkloadIdentity(
            name,
            AzureWorkloadIdentityArgs(
                workload=request.workload,
                cluster_name=self._stack.cluster.name,
                tenant_id=self._azure.tenant_id,
                region=self._stack.region,
                resource_group_name=foundation.resource_group_name,
                oidc_issuer=foundation.oidc_issuer,
                secret_ids={e.name: store.secret_ids[e.name] for e in request.entries},
                namespace=request.namespace,
            ),
            opts,
        )

    def audit(
        self,
        name: str,
        foundation: AzureFoundation,
        expected_readers: Sequence[pulumi.Input[str]],
        opts: pulumi.ResourceOptions,
    ) -> AzureSecretAccessAudit:
        stack = self._stack
        return AzureSecretAccessAudit(
            name,
            AzureAuditArgs(
                cluster_name=stack.cluster.name,
                region=stack.region,
                resource_group_name=foundation.resource_group_name,
                vault_id=foundation.vault_id,
                cluster_id=foundation.cluster.id,
                alerting=stack.alerting,
                expected_readers=list(expected_readers),
                log_retention_days=stack.cluster.log_retention_days,
            ),
            opts,
        )

    def secret_delivery(
        self, name: str, args: SecretDeliveryArgs, opts: pulumi.ResourceOptions
    ) -> AzureSecretDelivery:
        """Always declared, so the audit exists even on a stack without cloud secrets."""
        return AzureSecretDelivery(name, args, opts)


def foundation_args(stack: StackConfig) -> AzureFoundationArgs:
    """The foundation's arguments from a stack with `cloud: azure`."""
    cloud = stack.azure
    if cloud is None:  # config/references.py requires the block on such a stack
        raise ValueError("a stack with cloud: azure needs the secrets-platform:azure block")
    return AzureFoundationArgs(
        azure=cloud, cluster=stack.cluster, region=stack.region, node_size=stack.node_size
    )
