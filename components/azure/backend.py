"""The Azure backend of the cloud interface (`components/cloud.py`): AKS with Key Vault KMS, Key Vault
secrets with the rotation function, Entra workload identities, Log Analytics audit with alerts.

It turns the stack config into each component's narrow arguments; nothing else here decides.

One forward reference: Container Insights (the cluster's monitoring add-on, which ships the BFF's and
the CMS's container logs for the mobile alerts) sends logs to the audit's Log Analytics workspace, which
the audit declares after the foundation. The foundation gets the workspace id as a deferred output
(`pulumi.deferred_output`, Pulumi's API for forward references) that `audit()` resolves, so the cluster
depends on the workspace (the workspace depends on nothing of the cluster: no cycle). The platform
always declares the audit on Azure (`secret_delivery`), so the reference is always resolved.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

import pulumi

from components.azure.audit import AzureAuditArgs, AzureSecretAccessAudit
from components.azure.database import FlexibleServerDatabase, FlexibleServerDatabaseArgs
from components.azure.foundation import AzureFoundation, AzureFoundationArgs
from components.azure.mobile_alerts import MobileAlerts, MobileAlertsArgs
from components.azure.secret_delivery import AzureSecretDelivery
from components.azure.secret_store import AzureSecretStore, AzureSecretStoreArgs
from components.azure.workload_identity import AzureWorkloadIdentity, AzureWorkloadIdentityArgs
from components.cloud import DatabaseRequest, IdentityRequest
from components.kubernetes.external_secrets.delivery import SecretDeliveryArgs
from config import azure_names
from config.models import AzureConfig, CloudSecret, StackConfig


class AzureBackend:
    """The parts of the cloud interface, on Azure."""

    def __init__(self, stack: StackConfig, project_dir: Path) -> None:
        if stack.azure is None:  # config/references/ requires the block on an Azure stack
            raise ValueError("an Azure stack needs the secrets-platform:azure block")
        self._stack = stack
        self._azure: AzureConfig = stack.azure
        self._project_dir = project_dir
        self._resolve_workspace: Callable[[pulumi.Output[str]], None] | None = None

    def foundation(self, name: str, opts: pulumi.ResourceOptions) -> AzureFoundation:
        workspace_id, self._resolve_workspace = pulumi.deferred_output()
        args = dataclasses.replace(foundation_args(self._stack), container_logs_workspace_id=workspace_id)
        return AzureFoundation(name, args, opts)

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
        audit = AzureSecretAccessAudit(
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
        if self._resolve_workspace is not None:
            self._resolve_workspace(audit.workspace_id)
            self._resolve_workspace = None
        return audit

    def secret_delivery(
        self, name: str, args: SecretDeliveryArgs, opts: pulumi.ResourceOptions
    ) -> AzureSecretDelivery:
        """Always declared, so the audit exists even on a stack without cloud secrets."""
        return AzureSecretDelivery(name, args, opts)

    def database(
        self, name: str, foundation: AzureFoundation, request: DatabaseRequest, opts: pulumi.ResourceOptions
    ) -> AzureCmsDatabase:
        stack, azure = self._stack, self._azure
        cms = stack.cms
        if (
            request.password is None
            or request.password_secret_name is None
            or azure.operator_group_name is None
            or foundation.database_subnet_id is None
        ):  # config/references/ requires them with the CMS on Azure; the foundation adds the subnet
            raise ValueError("the CMS database on Azure needs cms.databaseSecret and azure.operatorGroupName")
        server = FlexibleServerDatabase(
            name,
            FlexibleServerDatabaseArgs(
                cluster_name=stack.cluster.name,
                resource_group_name=foundation.resource_group_name,
                resource_group_id=foundation.resource_group_id,
                location=stack.region,
                tenant_id=azure.tenant_id,
                administrator_group_object_id=azure.operator_group_object_id,
                administrator_group_name=azure.operator_group_name,
                virtual_network_id=foundation.virtual_network_id,
                subnet_id=foundation.database_subnet_id,
                subnet_cidr=azure_names.subnets(azure.network_cidr).database,
                store_key_resource_id=foundation.store_key_resource_id,
                store_key_uri=foundation.store_key_id,
                password=request.password,
                sku=cms.database_size or "Standard_B2ms",
                storage_gb=cms.database_storage_gb,
                backup_days=cms.database_backup_days,
            ),
            opts,
        )
        return AzureCmsDatabase(server, request.password_secret_name)

    def mobile_alerts(
        self,
        name: str,
        foundation: AzureFoundation,
        audit: AzureSecretAccessAudit | None,
        opts: pulumi.ResourceOptions,
    ) -> MobileAlerts | None:
        """Scheduled queries on the container logs Container Insights sends to the audit's workspace,
        to the audit's action group."""
        stack = self._stack
        if self._resolve_workspace is not None:
            # The cluster would wait forever for a workspace no audit declared.
            raise ValueError("the Azure audit must be declared before the mobile alerts (its workspace)")
        if audit is None:
            return None
        return MobileAlerts(
            name,
            MobileAlertsArgs(
                cluster_name=stack.cluster.name,
                cluster_id=foundation.cluster.id,
                resource_group_name=foundation.resource_group_name,
                location=stack.region,
                workspace_id=audit.workspace_id,
                action_group_id=audit.action_group_id,
                bff_namespace=stack.bff.namespace,
                cms_namespace=stack.cms.namespace,
                auth_failure_threshold=stack.alerting.bff_auth_failure_threshold,
                rate_limited_threshold=stack.alerting.bff_rate_limited_threshold,
                cms_login_failure_threshold=stack.alerting.cms_login_failure_threshold,
            ),
            opts,
        )

    def web_acl(self, name: str, opts: pulumi.ResourceOptions) -> None:
        """AWS WAFv2 only; config refuses `edge.waf` on Azure."""
        return None


class AzureCmsDatabase:
    """Flexible Server for the CMS; its password is the catalogue Secret the platform declares."""

    port = 5432
    rotates = False

    def __init__(self, server: FlexibleServerDatabase, password_secret: pulumi.Input[str]) -> None:
        self.readers: list[pulumi.Input[str]] = []
        self.host = server.host
        self.database_name = server.database_name
        self.username = server.username
        self.egress_cidrs = server.subnet_cidr.apply(lambda cidr: [cidr])
        self.credentials_secret = pulumi.Output.from_input(password_secret)

    def deliver(self, operator: object) -> None:
        """Nothing to sync: the password is a platform Secret already."""


def foundation_args(stack: StackConfig) -> AzureFoundationArgs:
    """The foundation's arguments from a stack with `cloud: azure`."""
    cloud = stack.azure
    if cloud is None:  # config/references/ requires the block on such a stack
        raise ValueError("a stack with cloud: azure needs the secrets-platform:azure block")
    return AzureFoundationArgs(
        azure=cloud,
        cluster=stack.cluster,
        region=stack.region,
        node_size=stack.node_size,
        database_subnet=stack.cms.enabled,
    )
