"""The Azure foundation: an AKS cluster whose Secrets are envelope-encrypted with a Key Vault key.

The vault is RBAC-only, soft-delete and purge protected, and holds HSM-backed keys (premium SKU)
that rotate themselves. The cluster's control-plane identity may use exactly one key (the secrets
key); the operations team administers the vault and the cluster through Entra ID groups, and the
cluster has no local accounts, so every access is an Entra identity that shows up in the logs.

The stack's own VNet (`network.py`) holds the nodes, the API server, the rotation function and, with the
CMS, its Flexible Server. Container Insights (the monitoring add-on) ships container logs to the audit's
Log Analytics workspace, whose id the backend hands in (`AzureFoundationArgs.container_logs_workspace_id`).
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints`, which cannot evaluate string annotations once the module has been dropped
# from `sys.modules` (as the offline runner does between stacks).
import base64
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native
import pulumi_kubernetes as k8s
import yaml

from components.azure.network import StackNetwork, stack_network
from config.azure_names import AKS_DNS_PREFIX_MAX, AKS_DNS_SERVICE_IP, AKS_POD_CIDR, AKS_SERVICE_CIDR
from config.models import AzureConfig, ClusterConfig
from config.patterns import AZURE_LOCATION

# Built-in role definition ids are the same in every tenant (Azure docs, "Azure built-in roles").
KEY_VAULT_CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424"
"""Built-in role "Key Vault Crypto User": cryptographic operations on keys, encrypt and decrypt included,
which the AKS KMS plugin calls (AKS docs: "assign the Key Vault Crypto User role to give decrypt and
encrypt permissions")."""
KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
"""Built-in role "Key Vault Crypto Service Encryption User": read, wrap and unwrap keys only; what a
service encrypting its data with the key needs (the rotation function's storage account; the CMS's
Flexible Server, whose "Data encryption" docs name this role for its identity)."""
KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
"""Built-in role "Key Vault Secrets User": read secret contents."""
KEY_VAULT_SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
"""Built-in role "Key Vault Secrets Officer": every action on secrets except managing permissions; the
narrowest built-in role that may write a new secret version."""
KEY_VAULT_ADMINISTRATOR = "00482a5a-887f-4fb3-b363-3b7fe8e74483"
"""Built-in role "Key Vault Administrator": all data-plane operations on a vault (Azure built-in roles)."""
KEY_VAULT_CONTRIBUTOR = "f25e0fa2-a7c8-4377-a976-54943a77a395"
"""Built-in role "Key Vault Contributor": manage vaults (management plane), with no access to keys or
secrets in an RBAC vault. AKS needs it on a `Private` KMS vault to create the vault's private endpoint
(AKS docs, "Assign permissions to create a private link")."""
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
"""Built-in role "Network Contributor": the cluster identity joins the API server and nodes to the
stack's own VNet (AKS docs, "API Server VNet Integration", bring your own VNet)."""
STORAGE_BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
"""Built-in role "Storage Blob Data Owner": what the Functions host needs on its storage account with an
identity-based `AzureWebJobsStorage` connection (Azure Functions docs, "Connecting to host storage with
an identity"); it also reads the run-from-package blob."""

KEY_SIZE = 3072
"""RSA modulus of both keys (at least 3072 bits for use beyond 2030, NIST SP 800-57 part 1)."""
KEY_EXPIRY = "P1Y"
"""Lifetime of each key version created by rotation (ISO 8601)."""
KEY_ROTATE_AFTER_CREATE = "P90D"
"""Key Vault creates a new version 90 days after the current one was created (ISO 8601). Each version
lives a year, so the cluster, which names one version, has 275 days to move to the next one (the next
`pulumi up` moves it: `_cluster` reads the key's current version at every deployment)."""
KEY_NOTIFY_BEFORE_EXPIRY = "P30D"
"""Key Vault's default: an Event Grid KeyNearExpiry event 30 days before a version expires."""

SYSTEM_POOL = "system"
"""Name of the system node pool (AKS: lower-case letters and digits, at most 12)."""


@dataclass(frozen=True, kw_only=True)
class AzureFoundationArgs:
    azure: AzureConfig
    """The stack's `azure:` block: tenant, resource group, vault, operators' Entra ID group."""
    cluster: ClusterConfig
    """The cluster's name, version, size and API server access."""
    region: str
    """The stack's `azure-native:location`."""
    node_size: str
    """VM size of the system node pool."""
    database_subnet: bool = False
    """Add the subnet the CMS's Flexible Server is injected into (stacks with the CMS)."""
    container_logs_workspace_id: pulumi.Input[str] | None = None
    """Log Analytics workspace Container Insights sends container logs to (the audit's), when the
    stack alerts on them; None leaves the monitoring add-on off."""


def check_foundation_args(args: AzureFoundationArgs) -> list[str]:
    """Why these arguments cannot make the foundation (empty when they can).

    A pure function: everything it checks is known before any resource is declared.
    """
    problems = []
    if not AZURE_LOCATION.match(args.region):
        problems.append(
            f"location {args.region!r} is not an Azure location such as westeurope (azure-native:location)"
        )
    if len(args.cluster.name) > AKS_DNS_PREFIX_MAX:
        problems.append(
            f"cluster.name {args.cluster.name!r} is {len(args.cluster.name)} characters; AKS uses it "
            f"as the DNS prefix, which allows at most {AKS_DNS_PREFIX_MAX}: choose a shorter name"
        )
    return problems


def subscription_of(resource_id: str) -> str:
    """The subscription id in an ARM resource id (`/subscriptions/<id>/resourceGroups/...`)."""
    parts = resource_id.split("/")
    if len(parts) < 3 or parts[1].lower() != "subscriptions" or not parts[2]:
        raise ValueError(f"not an ARM resource id in a subscription: {resource_id!r}")
    return parts[2]


def role_definition_id(subscription_id: str, role: str) -> str:
    """The subscription-scoped id of a built-in role, as ARM returns it (no diff on refresh)."""
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{role}"


def non_interactive_kubeconfig(encoded: str) -> str:
    """Decode an AKS user kubeconfig and make its `kubelogin` exec use the Azure CLI's login.

    The kubeconfig AKS returns for an Entra ID cluster logs in with a device code, which would wait
    for a person in the middle of `pulumi up`. `--login azurecli` reuses the session the deployer
    (or CI's federated identity) already has, like `kubelogin convert-kubeconfig -l azurecli`.
    """
    config = yaml.safe_load(base64.b64decode(encoded).decode())
    for user in config.get("users") or []:
        exec_ = (user.get("user") or {}).get("exec")
        if not exec_ or exec_.get("command") != "kubelogin":
            continue
        args = list(exec_.get("args") or [])
        if "--login" in args and args.index("--login") + 1 < len(args):
            args[args.index("--login") + 1] = "azurecli"
        else:
            args += ["--login", "azurecli"]
        exec_["args"] = args
    return yaml.safe_dump(config, sort_keys=False)


def vault_network_acls(
    allowed_cidrs: list[str], subnet_ids: list[pulumi.Input[str]]
) -> azure_native.keyvault.NetworkRuleSetArgsDict:
    """The vault's firewall: deny by default; admit the configured networks and the stack's subnets.

    - The API server's KMS plugin reaches the vault through the private endpoint AKS creates for a
      `Private` KMS vault; a private endpoint is not subject to the firewall's rules.
    - External Secrets (node subnet) and the rotation function (function subnet) come through Key Vault
      service endpoints, admitted by the virtual network rules.
    - Operators' networks (`azure.keyVaultAllowedCidrs`) are the only public addresses admitted.
    - Trusted Microsoft services bypass the rules (Key Vault docs, "Virtual network service endpoints for
      Azure Key Vault", trusted services): Azure Storage wraps the rotation function's storage account
      key with the store key (Storage docs, "Customer-managed keys": a vault with a firewall must allow
      trusted Microsoft services), and Azure Database for PostgreSQL Flexible Server wraps the CMS
      database's key with it ("Data encryption": "select the option to allow trusted Microsoft
      services so that your ... flexible server can bypass the firewall"). Each still needs a role.
    Pulumi creates keys and secrets through Azure Resource Manager, which the firewall does not govern
    (it gates the data plane only: Key Vault docs, "Configure network security").
    """
    return {
        "default_action": azure_native.keyvault.NetworkRuleAction.DENY,
        "bypass": azure_native.keyvault.NetworkRuleBypassOptions.AZURE_SERVICES,
        "ip_rules": [{"value": cidr} for cidr in allowed_cidrs],
        "virtual_network_rules": [
            {"id": subnet_id, "ignore_missing_vnet_service_endpoint": False} for subnet_id in subnet_ids
        ],
    }


def _vault(
    name: str,
    args: AzureFoundationArgs,
    group: azure_native.resources.ResourceGroup,
    network: StackNetwork,
) -> azure_native.keyvault.Vault:
    return azure_native.keyvault.Vault(
        f"{name}-vault",
        vault_name=args.azure.key_vault_name,
        resource_group_name=group.name,
        location=args.region,
        properties={
            "tenant_id": args.azure.tenant_id,
            # Premium: keys of type RSA-HSM live in FIPS 140 validated HSMs.
            "sku": {
                "family": azure_native.keyvault.SkuFamily.A,
                "name": azure_native.keyvault.SkuName.PREMIUM,
            },
            "enable_rbac_authorization": True,
            "enable_soft_delete": True,
            "soft_delete_retention_in_days": args.azure.soft_delete_retention_days,
            "enable_purge_protection": True,
            # Public network access stays on so the firewall's rules can admit the operators' networks
            # and the stack's subnets; everything else is denied (see `vault_network_acls`).
            "public_network_access": "Enabled",
            "network_acls": vault_network_acls(
                list(args.azure.key_vault_allowed_cidrs),
                [network.nodes_subnet_id, network.functions_subnet_id],
            ),
        },
        opts=pulumi.ResourceOptions(parent=group, protect=True),
    )


def _key(
    name: str,
    role: str,
    key_name: str,
    group: azure_native.resources.ResourceGroup,
    vault: azure_native.keyvault.Vault,
) -> azure_native.keyvault.Key:
    return azure_native.keyvault.Key(
        f"{name}-{role}-key",
        key_name=key_name,
        resource_group_name=group.name,
        vault_name=vault.name,
        properties={
            "kty": azure_native.keyvault.JsonWebKeyType.RS_A_HSM,
            "key_size": KEY_SIZE,
            "key_ops": [
                azure_native.keyvault.JsonWebKeyOperation.ENCRYPT,
                azure_native.keyvault.JsonWebKeyOperation.DECRYPT,
                azure_native.keyvault.JsonWebKeyOperation.WRAP_KEY,
                azure_native.keyvault.JsonWebKeyOperation.UNWRAP_KEY,
            ],
            "rotation_policy": {
                "attributes": {"expiry_time": KEY_EXPIRY},
                "lifetime_actions": [
                    {
                        "trigger": {"time_after_create": KEY_ROTATE_AFTER_CREATE},
                        "action": {"type": azure_native.keyvault.KeyRotationPolicyActionType.ROTATE},
                    },
                    {
                        "trigger": {"time_before_expiry": KEY_NOTIFY_BEFORE_EXPIRY},
                        "action": {"type": azure_native.keyvault.KeyRotationPolicyActionType.NOTIFY},
                    },
                ],
            },
        },
        opts=pulumi.ResourceOptions(parent=vault, protect=True),
    )


def _role_assignment(
    name: str,
    role_name: str,
    role: str,
    principal_id: pulumi.Input[str],
    principal_type: azure_native.authorization.PrincipalType,
    scope: pulumi.CustomResource,
    group: azure_native.resources.ResourceGroup,
) -> azure_native.authorization.RoleAssignment:
    return azure_native.authorization.RoleAssignment(
        f"{name}-{role_name}",
        principal_id=principal_id,
        principal_type=principal_type,
        role_definition_id=group.id.apply(lambda rid: role_definition_id(subscription_of(rid), role)),
        scope=scope.id,
        opts=pulumi.ResourceOptions(parent=scope),
    )


KMS_KEY_VERSION_CREATED_TAG = "secrets-platform/kms-key-version-created"
"""Cluster tag: when the KMS key version the cluster names was created (seconds since the epoch), so the
policy pack can refuse a cluster that still names a version older than the key's rotation period."""


@dataclass(frozen=True)
class _KmsKey:
    """The secrets key's current version, read from Key Vault at every deployment."""

    key_id: pulumi.Output[str]
    created: pulumi.Output[str]


def _current_key_version(
    group: azure_native.resources.ResourceGroup,
    vault: azure_native.keyvault.Vault,
    key: azure_native.keyvault.Key,
) -> _KmsKey:
    """The key's current version as Key Vault reports it now (`getKey`: "Gets the current version").

    AKS's KMS names one key version (a versionless id is refused: "must be a valid key identifier"
    with version, AKS KMS docs), and Key Vault adds a version every `KEY_ROTATE_AFTER_CREATE`. Reading
    the current version on every preview and `pulumi up` (rather than the Key resource's state, which
    moves only on `pulumi refresh`) makes the next deployment after a rotation move the cluster to the
    new version; `.github/workflows/deploy.yml` then re-encrypts the Secrets with it (AKS docs, "Rotate
    existing keys": `kubectl get secrets -A -o json | kubectl replace -f -`).
    """
    current = azure_native.keyvault.get_key_output(
        resource_group_name=group.name, vault_name=vault.name, key_name=key.name
    )
    return _KmsKey(
        key_id=current.key_uri_with_version,
        created=current.attributes.apply(lambda a: str(int(a.created)) if a is not None else ""),
    )


def _cluster(
    name: str,
    args: AzureFoundationArgs,
    group: azure_native.resources.ResourceGroup,
    identity: azure_native.managedidentity.UserAssignedIdentity,
    vault: azure_native.keyvault.Vault,
    kms_key: _KmsKey,
    network: StackNetwork,
    ready: list[pulumi.Resource],
) -> azure_native.containerservice.ManagedCluster:
    cluster, cfg = args.cluster, args.azure
    api_access: azure_native.containerservice.ManagedClusterAPIServerAccessProfileArgsDict = {
        # The API server gets addresses in the stack's delegated subnet: the private KMS vault is reached
        # through it (a private KMS vault "must use the API Server VNet Integration tunnel").
        "enable_vnet_integration": True,
        "subnet_id": network.api_server_subnet_id,
    }
    if cluster.public_access_cidrs:
        api_access["authorized_ip_ranges"] = cluster.public_access_cidrs
    else:
        # No networks listed means no public endpoint (config: "empty means a private endpoint
        # only"); an empty authorizedIPRanges would instead open the API server to everyone.
        api_access["enable_private_cluster"] = True
    return azure_native.containerservice.ManagedCluster(
        f"{name}-cluster",
        resource_name_=cluster.name,
        resource_group_name=group.name,
        location=args.region,
        dns_prefix=cluster.name,
        kubernetes_version=cluster.kubernetes_version,
        # KMS needs a user-assigned identity: a system-assigned one does not exist until the
        # cluster does, too late to be granted the key (AKS KMS limitations).
        identity={
            "type": azure_native.containerservice.ResourceIdentityType.USER_ASSIGNED,
            "user_assigned_identities": [identity.id],
        },
        agent_pool_profiles=[
            {
                "name": SYSTEM_POOL,
                "mode": azure_native.containerservice.AgentPoolMode.SYSTEM,
                "count": cluster.node_count,
                "vm_size": args.node_size,
                "os_type": azure_native.containerservice.OSType.LINUX,
                "vnet_subnet_id": network.nodes_subnet_id,
            }
        ],
        # Azure CNI Overlay powered by Cilium: pods get addresses outside the VNet, and the platform's
        # NetworkPolicies are enforced (without a policy engine AKS enforces none: `network_policy`
        # defaults to "none").
        network_profile={
            "network_plugin": azure_native.containerservice.NetworkPlugin.AZURE,
            "network_plugin_mode": azure_native.containerservice.NetworkPluginMode.OVERLAY,
            "network_dataplane": azure_native.containerservice.NetworkDataplane.CILIUM,
            "network_policy": azure_native.containerservice.NetworkPolicy.CILIUM,
            "pod_cidr": AKS_POD_CIDR,
            "service_cidr": AKS_SERVICE_CIDR,
            "dns_service_ip": AKS_DNS_SERVICE_IP,
        },
        enable_rbac=True,
        aad_profile={
            "managed": True,
            "enable_azure_rbac": True,
            "admin_group_object_ids": [cfg.operator_group_object_id],
            "tenant_id": cfg.tenant_id,
        },
        disable_local_accounts=True,
        api_server_access_profile=api_access,
        oidc_issuer_profile={"enabled": True},
        security_profile={
            "azure_key_vault_kms": {
                "enabled": True,
                # The key's current version, read at every deployment (`_current_key_version`).
                "key_id": kms_key.key_id,
                # "Private": the KMS plugin reaches the vault through a private endpoint AKS creates
                # (its identity holds Key Vault Contributor on the vault for that), over API Server VNet
                # Integration. "Public" does not work once the vault's firewall denies public traffic,
                # as it does here (AKS KMS limitations).
                "key_vault_network_access": azure_native.containerservice.KeyVaultNetworkAccessTypes.PRIVATE,
                "key_vault_resource_id": vault.id,
            },
            "workload_identity": {"enabled": True},
        },
        addon_profiles=_monitoring_addon(args.container_logs_workspace_id),
        tags={KMS_KEY_VERSION_CREATED_TAG: kms_key.created},
        opts=pulumi.ResourceOptions(parent=group, depends_on=ready),
    )


MONITORING_ADDON = "omsagent"
"""The AKS add-on of Container Insights (its agent, ama-logs, ships container logs)."""


def _monitoring_addon(
    workspace_id: pulumi.Input[str] | None,
) -> dict[str, azure_native.containerservice.ManagedClusterAddonProfileArgsDict] | None:
    """Container Insights with managed identity authentication, as Azure Monitor's own onboarding
    template sets it (microsoft/Docker-Provider, `onboarding-using-msi-auth/existingClusterOnboarding.json`:
    `logAnalyticsWorkspaceResourceID` and `useAADAuth: "true"`): the agent authenticates with the
    add-on's managed identity, and what it collects and where it sends it is the data collection rule
    associated with the cluster (`components/azure/mobile_alerts.py`), not a workspace key."""
    if workspace_id is None:
        return None
    return {
        MONITORING_ADDON: {
            "enabled": True,
            "config": {"logAnalyticsWorkspaceResourceID": workspace_id, "useAADAuth": "true"},
        }
    }


def _kubernetes_provider(
    name: str,
    group: azure_native.resources.ResourceGroup,
    cluster: azure_native.containerservice.ManagedCluster,
) -> k8s.Provider:
    credentials = azure_native.containerservice.list_managed_cluster_user_credentials_output(
        resource_group_name=group.name,
        resource_name=cluster.name,
        # Entra ID clusters otherwise return the `azure` auth-provider, which client-go no longer has.
        format="exec",
    )
    config = credentials.apply(lambda result: non_interactive_kubeconfig(result.kubeconfigs[0].value))
    return k8s.Provider(
        f"{name}-k8s",
        kubeconfig=pulumi.Output.secret(config),
        enable_server_side_apply=True,
        opts=pulumi.ResourceOptions(parent=cluster),
    )


class AzureFoundation(pulumi.ComponentResource):
    """An AKS cluster with Key Vault KMS encryption of Secrets, Entra ID access and workload identity."""

    kubernetes_provider: k8s.Provider
    """Provider for the cluster; its kubeconfig is a secret and logs in through `kubelogin`."""
    cluster_name: pulumi.Output[str]
    """Name of the AKS cluster."""
    secrets_key_id: pulumi.Output[str]
    """Key Vault key id (without version, so it outlives rotation, like a KMS ARN) of the key that
    envelope-encrypts the cluster's Secrets; the cluster itself names the current version."""
    store_key_id: pulumi.Output[str]
    """Key Vault key id (without version) of the key for the secret store and the audit logs."""
    vault_uri: pulumi.Output[str]
    """Data-plane URI of the Key Vault (`https://<name>.vault.azure.net/`)."""
    vault_id: pulumi.Output[str]
    """ARM resource id of the Key Vault, the scope of role assignments on it."""
    oidc_issuer: pulumi.Output[str]
    """The cluster's OIDC issuer URL, for federated credentials of workload identities."""
    resource_group_name: pulumi.Output[str]
    """Resource group holding every resource of the stack."""
    vault_name: pulumi.Output[str]
    """Name of the Key Vault (the store's secrets live in it)."""
    store_key_name: pulumi.Output[str]
    """Name of the store key (the rotation function's storage account is encrypted with it)."""
    store_key_resource_id: pulumi.Output[str]
    """ARM id of the store key, the scope of the one role that may wrap and unwrap with it."""
    functions_subnet_id: pulumi.Output[str]
    """Subnet the rotation function joins (delegated to App Service, admitted by the vault's firewall)."""
    virtual_network_id: pulumi.Output[str]
    """ARM id of the stack's VNet (the CMS database's private DNS zone is linked to it)."""
    database_subnet_id: pulumi.Output[str] | None
    """Subnet delegated to Flexible Server for the CMS database; None on a stack without the CMS."""
    resource_group_id: pulumi.Output[str]
    """ARM id of the stack's resource group: its subscription scopes built-in role definition ids."""
    cluster: azure_native.containerservice.ManagedCluster
    """The AKS cluster itself, for components that need more of its outputs."""

    def __init__(
        self, name: str, args: AzureFoundationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_foundation_args(args)
        if problems:
            raise ValueError("; ".join(problems))
        cfg = args.azure
        super().__init__("secrets-platform:azure_foundation:AzureFoundation", name, None, opts)
        group = azure_native.resources.ResourceGroup(
            f"{name}-rg",
            resource_group_name=cfg.resource_group_name,
            location=args.region,
            opts=pulumi.ResourceOptions(parent=self, protect=True),
        )
        identity = azure_native.managedidentity.UserAssignedIdentity(
            f"{name}-cluster-identity",
            resource_name_=f"id-{args.cluster.name}",
            resource_group_name=group.name,
            location=args.region,
            opts=pulumi.ResourceOptions(parent=group),
        )
        network = stack_network(
            name, f"vnet-{args.cluster.name}", cfg.network_cidr, args.region, group, args.database_subnet
        )
        vault = _vault(name, args, group, network)
        secrets_key = _key(name, "secrets", f"{args.cluster.name}-secrets", group, vault)
        store_key = _key(name, "store", f"{args.cluster.name}-store", group, vault)
        service_principal = azure_native.authorization.PrincipalType.SERVICE_PRINCIPAL
        key_access = _role_assignment(
            name, "cluster-key-access", KEY_VAULT_CRYPTO_USER, identity.principal_id, service_principal,
            secrets_key, group,
        )  # fmt: skip
        private_link = _role_assignment(
            name, "cluster-vault-private-link", KEY_VAULT_CONTRIBUTOR, identity.principal_id,
            service_principal, vault, group,
        )  # fmt: skip
        vnet_access = _role_assignment(
            name, "cluster-network", NETWORK_CONTRIBUTOR, identity.principal_id, service_principal,
            network.vnet, group,
        )  # fmt: skip
        _role_assignment(
            name,
            "operators-vault-admin",
            KEY_VAULT_ADMINISTRATOR,
            cfg.operator_group_object_id,
            azure_native.authorization.PrincipalType.GROUP,
            vault,
            group,
        )
        kms_key = _current_key_version(group, vault, secrets_key)
        cluster = _cluster(
            name, args, group, identity, vault, kms_key, network, [key_access, private_link, vnet_access]
        )

        self.kubernetes_provider = _kubernetes_provider(name, group, cluster)
        self.cluster_name = cluster.name
        self.secrets_key_id = secrets_key.key_uri
        self.store_key_id = store_key.key_uri
        self.vault_uri = vault.properties.apply(lambda props: props.vault_uri)
        self.vault_id = vault.id
        self.oidc_issuer = cluster.oidc_issuer_profile.apply(lambda profile: profile.issuer_url)
        self.resource_group_name = group.name
        self.vault_name = vault.name
        self.store_key_name = store_key.name
        self.store_key_resource_id = store_key.id
        self.functions_subnet_id = network.functions_subnet_id
        self.virtual_network_id = network.vnet.id
        self.database_subnet_id = network.database_subnet_id
        self.resource_group_id = group.id
        self.cluster = cluster
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "secrets_key_id": self.secrets_key_id,
                "store_key_id": self.store_key_id,
                "vault_uri": self.vault_uri,
                "vault_id": self.vault_id,
                "vault_name": self.vault_name,
                "oidc_issuer": self.oidc_issuer,
                "resource_group_name": self.resource_group_name,
            }
        )
