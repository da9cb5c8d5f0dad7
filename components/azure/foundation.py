"""The Azure foundation: an AKS cluster whose Secrets are envelope-encrypted with a Key Vault key.

The vault is RBAC-only, soft-delete and purge protected, and holds HSM-backed keys (premium SKU)
that rotate themselves. The cluster's control-plane identity may use exactly one key (the secrets
key); the operations team administers the vault and the cluster through Entra ID groups, and the
cluster has no local accounts, so every access is an Entra identity that shows up in the logs.
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

from config.models import AzureConfig, ClusterConfig
from config.patterns import AZURE_LOCATION

KEY_VAULT_CRYPTO_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
"""Built-in role "Key Vault Crypto User": cryptographic operations on keys (Azure built-in roles)."""
KEY_VAULT_ADMINISTRATOR = "00482a5a-887f-4fb3-b363-3b7fe8e74483"
"""Built-in role "Key Vault Administrator": all data-plane operations on a vault (Azure built-in roles)."""

KEY_SIZE = 3072
"""RSA modulus of both keys (at least 3072 bits for use beyond 2030, NIST SP 800-57 part 1)."""
KEY_EXPIRY = "P1Y"
"""Lifetime of each key version created by rotation (ISO 8601)."""
ROTATE_BEFORE_EXPIRY = "P30D"
"""Key Vault creates a new version this long before the current one expires (ISO 8601)."""

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


def check_foundation_args(args: AzureFoundationArgs) -> list[str]:
    """Why these arguments cannot make the foundation (empty when they can).

    A pure function: everything it checks is known before any resource is declared.
    """
    problems = []
    if not AZURE_LOCATION.match(args.region):
        problems.append(
            f"location {args.region!r} is not an Azure location such as westeurope (azure-native:location)"
        )
    if len(args.cluster.name) > 54:
        problems.append(
            f"cluster.name {args.cluster.name!r} is {len(args.cluster.name)} characters; AKS uses it "
            "as the DNS prefix, which allows at most 54: choose a shorter name"
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


def _vault(
    name: str, args: AzureFoundationArgs, group: azure_native.resources.ResourceGroup
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
            # AKS KMS with keyVaultNetworkAccess "Public" is only supported when the vault accepts all
            # networks (AKS docs, "KMS limitations"); access is still gated by Entra ID and RBAC
            # (role assignments scoped to one key). "Private" KMS needs API server VNet integration.
            "network_acls": {
                "default_action": azure_native.keyvault.NetworkRuleAction.ALLOW,
                "bypass": azure_native.keyvault.NetworkRuleBypassOptions.AZURE_SERVICES,
            },
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
                        "trigger": {"time_before_expiry": ROTATE_BEFORE_EXPIRY},
                        "action": {"type": azure_native.keyvault.KeyRotationPolicyActionType.ROTATE},
                    },
                    {
                        # Key Vault's default: an Event Grid KeyNearExpiry event 30 days before expiry.
                        "trigger": {"time_before_expiry": ROTATE_BEFORE_EXPIRY},
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


def _cluster(
    name: str,
    args: AzureFoundationArgs,
    group: azure_native.resources.ResourceGroup,
    identity: azure_native.managedidentity.UserAssignedIdentity,
    secrets_key: azure_native.keyvault.Key,
    key_access: azure_native.authorization.RoleAssignment,
) -> azure_native.containerservice.ManagedCluster:
    cluster, cfg = args.cluster, args.azure
    api_access: azure_native.containerservice.ManagedClusterAPIServerAccessProfileArgsDict = (
        {"authorized_ip_ranges": cluster.public_access_cidrs}
        if cluster.public_access_cidrs
        # No networks listed means no public endpoint (config: "empty means a private endpoint
        # only"); an empty authorizedIPRanges would instead open the API server to everyone.
        else {"enable_private_cluster": True}
    )
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
            }
        ],
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
                # AKS wants the versioned key id; after Key Vault rotates the key, a `pulumi up`
                # moves the cluster to the new version.
                "key_id": secrets_key.key_uri_with_version,
                # "Private" needs the vault's resource id and a private endpoint reachable from the
                # control plane (API Server VNet Integration), which this stack does not declare;
                # "Public" reaches the vault's public endpoint, authenticated by the cluster
                # identity. Microsoft documents that "Public" does not work when the vault's
                # firewall denies public traffic (AKS KMS limitations), as `_vault` currently does.
                "key_vault_network_access": azure_native.containerservice.KeyVaultNetworkAccessTypes.PUBLIC,
            },
            "workload_identity": {"enabled": True},
        },
        opts=pulumi.ResourceOptions(parent=group, depends_on=[key_access]),
    )


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
        vault = _vault(name, args, group)
        secrets_key = _key(name, "secrets", f"{args.cluster.name}-secrets", group, vault)
        store_key = _key(name, "store", f"{args.cluster.name}-store", group, vault)
        key_access = _role_assignment(
            name,
            "cluster-key-access",
            KEY_VAULT_CRYPTO_USER,
            identity.principal_id,
            azure_native.authorization.PrincipalType.SERVICE_PRINCIPAL,
            secrets_key,
            group,
        )
        _role_assignment(
            name,
            "operators-vault-admin",
            KEY_VAULT_ADMINISTRATOR,
            cfg.operator_group_object_id,
            azure_native.authorization.PrincipalType.GROUP,
            vault,
            group,
        )
        cluster = _cluster(name, args, group, identity, secrets_key, key_access)

        self.kubernetes_provider = _kubernetes_provider(name, group, cluster)
        self.cluster_name = cluster.name
        self.secrets_key_id = secrets_key.key_uri
        self.store_key_id = store_key.key_uri
        self.vault_uri = vault.properties.apply(lambda props: props.vault_uri)
        self.vault_id = vault.id
        self.oidc_issuer = cluster.oidc_issuer_profile.apply(lambda profile: profile.issuer_url)
        self.resource_group_name = group.name
        self.cluster = cluster
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "secrets_key_id": self.secrets_key_id,
                "store_key_id": self.store_key_id,
                "vault_uri": self.vault_uri,
                "vault_id": self.vault_id,
                "oidc_issuer": self.oidc_issuer,
                "resource_group_name": self.resource_group_name,
            }
        )
