"""An Entra identity that syncs one workload's Key Vault secrets, and nothing the workload's pods hold.

The workload's pods never get Azure credentials. The External Secrets Operator (ESO) requests a token
for a dedicated ServiceAccount, `<workload>-secret-sync`, with audience `api://AzureADTokenExchange`,
and exchanges it (Entra workload identity federation) for this user-assigned identity; it then reads
the granted secrets and writes them into the Kubernetes Secrets the pods mount. The federated
credential trusts exactly that ServiceAccount of that namespace on this cluster's issuer, and the
identity holds "Key Vault Secrets User" on each granted secret, never on the vault, its resource group
or the subscription (Key Vault docs, "Best practices: ... RBAC at the scope of individual secrets").
"""

# No `from __future__ import annotations` here: see components/azure/foundation.py.
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native
import pulumi_kubernetes as k8s

from components.azure.foundation import KEY_VAULT_SECRETS_USER, role_definition_id, subscription_of
from components.azure.secret_store import WORKLOAD_IDENTITY_AUDIENCE
from components.kubernetes.sync_identity import (
    SYNC_COMPONENT_LABELS,
    service_account_subject,
    sync_service_account_name,
)
from config.azure_names import federated_credential_name, workload_identity_name
from config.models import Workload

CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
"""The ServiceAccount annotation naming the identity its tokens are exchanged for (Azure Workload
Identity docs, "Service account annotations"); ESO's azurekv WorkloadIdentity auth reads it."""
TENANT_ID_ANNOTATION = "azure.workload.identity/tenant-id"


@dataclass(frozen=True, kw_only=True)
class AzureWorkloadIdentityArgs:
    workload: Workload
    """The workload whose Key Vault secrets are synced; the ServiceAccount goes in its namespace."""
    cluster_name: str
    """The stack's cluster name: the identity is `id-<cluster>-<workload>`."""
    tenant_id: str
    region: str
    resource_group_name: pulumi.Input[str]
    oidc_issuer: pulumi.Input[str]
    """The cluster's OIDC issuer URL (`AzureFoundation.oidc_issuer`)."""
    secret_ids: Mapping[str, pulumi.Input[str]]
    """Catalogue name -> ARM id of the Key Vault secret the identity may read (exact ids, no vault)."""
    namespace: pulumi.Input[str] | None = None
    """The Namespace's name output, so the ServiceAccount waits for the namespace."""


def check_identity_args(args: AzureWorkloadIdentityArgs) -> list[str]:
    """Why these arguments cannot make a sync identity (empty when they can); pure, tested without mocks."""
    where = f"Key Vault sync identity of {args.workload.name!r}"
    problems = []
    if not args.secret_ids:
        problems.append(
            f"{where}: no secret is granted; declare no sync identity for a workload without cloud secrets"
        )
    for name, secret_id in sorted(args.secret_ids.items(), key=lambda item: item[0]):
        if isinstance(secret_id, str) and "/providers/microsoft.keyvault/vaults/" not in secret_id.lower():
            problems.append(
                f"{where}: {name!r} is granted {secret_id!r}, not the ARM id of a Key Vault secret"
            )
        elif isinstance(secret_id, str) and "/secrets/" not in secret_id.lower():
            problems.append(f"{where}: {name!r} is granted a whole vault; grant the secret's own id")
    return problems


class AzureWorkloadIdentity(pulumi.ComponentResource):
    """A ServiceAccount only ESO uses, federated with a user-assigned identity that reads one workload's secrets."""

    service_account_name: pulumi.Output[str]
    """Name of the sync ServiceAccount (`<workload>-secret-sync`), for the SecretStore's auth."""
    namespace: pulumi.Output[str]
    """Namespace of the sync ServiceAccount (the workload's)."""
    client_id: pulumi.Output[str]
    """Client id of the identity, as annotated on the ServiceAccount."""
    principal: pulumi.Output[str]
    """Object (principal) id of the identity, as Key Vault's audit log names the caller."""

    def __init__(
        self, name: str, args: AzureWorkloadIdentityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_identity_args(args)
        if problems:
            raise ValueError("; ".join(problems))
        super().__init__("secrets-platform:azure_workload_identity:AzureWorkloadIdentity", name, None, opts)
        workload = args.workload
        namespace = workload.namespace_name
        service_account = sync_service_account_name(workload.name)
        identity = azure_native.managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            resource_name_=workload_identity_name(args.cluster_name, workload.name),
            resource_group_name=args.resource_group_name,
            location=args.region,
            tags={"secrets-platform/workload": workload.name, "secrets-platform/namespace": namespace},
            opts=pulumi.ResourceOptions(parent=self),
        )
        azure_native.managedidentity.FederatedIdentityCredential(
            f"{name}-federation",
            federated_identity_credential_resource_name=federated_credential_name(workload.name),
            resource_name_=identity.name,
            resource_group_name=args.resource_group_name,
            issuer=args.oidc_issuer,
            # Exactly one ServiceAccount of one namespace (the token's `sub`), for token exchange only.
            subject=service_account_subject(namespace, service_account),
            audiences=[WORKLOAD_IDENTITY_AUDIENCE],
            opts=pulumi.ResourceOptions(parent=identity),
        )
        for entry_name, secret_id in sorted(args.secret_ids.items(), key=lambda item: item[0]):
            azure_native.authorization.RoleAssignment(
                f"{name}-read-{entry_name}",
                principal_id=identity.principal_id,
                principal_type=azure_native.authorization.PrincipalType.SERVICE_PRINCIPAL,
                role_definition_id=pulumi.Output.from_input(secret_id).apply(
                    lambda sid: role_definition_id(subscription_of(sid), KEY_VAULT_SECRETS_USER)
                ),
                scope=secret_id,
                opts=pulumi.ResourceOptions(parent=identity),
            )
        account = k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata={
                "name": service_account,
                "namespace": args.namespace if args.namespace is not None else namespace,
                "labels": {**SYNC_COMPONENT_LABELS, "secrets-platform/workload": workload.name},
                "annotations": {
                    CLIENT_ID_ANNOTATION: identity.client_id,
                    TENANT_ID_ANNOTATION: args.tenant_id,
                },
            },
            # No pod runs as this account: ESO requests its tokens through the TokenRequest API.
            automount_service_account_token=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.service_account_name = account.metadata.name
        self.namespace = account.metadata.namespace
        self.client_id = identity.client_id
        self.principal = identity.principal_id
        self.register_outputs(
            {
                "service_account_name": self.service_account_name,
                "namespace": self.namespace,
                "client_id": self.client_id,
                "principal": self.principal,
            }
        )
