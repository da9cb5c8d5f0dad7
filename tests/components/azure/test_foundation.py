"""AzureFoundation under Pulumi's mock runtime, plus its pure helpers without mocks.

Each mock test builds the happy-path stack (or changes one property of it), declares the component
and inspects the `RegisterResourceRequest`s the monitor saw: inputs as sent on the wire (camelCase,
secrets still wrapped) and resource options such as `protect`.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.runtime import rpc

from components.azure.backend import foundation_args
from components.azure.foundation import (
    KEY_VAULT_ADMINISTRATOR,
    KEY_VAULT_CRYPTO_USER,
    AzureFoundation,
    check_foundation_args,
    non_interactive_kubeconfig,
    role_definition_id,
    subscription_of,
)
from config.models import StackConfig
from tests.components._capturing_monitor import CapturingMonitor, declare, fake_uuid, install, merge

SUBSCRIPTION = "6f1c2a4e-0b2c-4d5e-8f90-1a2b3c4d5e6f"
TENANT = "8f1c2a4e-1b2c-4d5e-8f90-1a2b3c4d5e6f"
OPERATORS = "3c9d1e2f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
LOCATION = "westeurope"
GROUP = "rg-secrets-prod"
VAULT = "kv-secrets-prod-weu"
ISSUER = f"https://{LOCATION}.oic.prod-aks.azure.com/{TENANT}/0f3d9a4c-5b6e-4f70-8a91-b2c3d4e5f607/"
SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"  # the AKS AAD server application, same in every tenant

BASE: dict[str, Any] = {
    "cloud": "azure",
    "region": LOCATION,
    "azure": {
        "tenantId": TENANT,
        "resourceGroupName": GROUP,
        "keyVaultName": VAULT,
        "operatorGroupObjectId": OPERATORS,
        "softDeleteRetentionDays": 30,
    },
    "cluster": {
        "name": "secrets-prod",
        "kubernetesVersion": "1.31",
        "nodeCount": 3,
        "nodeSize": "Standard_D4s_v5",
        "publicAccessCidrs": ["198.51.100.0/24"],
    },
    "operators": {"group": OPERATORS},
    "bff": {
        "hostname": "bff.example.com",
        "tlsSecret": "bff-tls",
        "oauthIssuer": "https://auth.example.com/",
        "oauthAudience": "shopper-apps",
    },
    "alerting": {"email": "secops@example.com"},
}


def stack(changes: dict[str, Any] | None = None) -> StackConfig:
    """The happy-path stack, with one change when a test needs it."""
    return StackConfig.model_validate(merge(BASE, changes or {}))


# --- the mock runtime ----------------------------------------------------------------------------


def _hex(name: str, length: int = 32) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:length]


def _arm_id(group: str, provider_path: str) -> str:
    return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/{provider_path}"


def _key_id(key: str) -> str:
    return _arm_id(GROUP, f"Microsoft.KeyVault/vaults/{VAULT}/keys/{key}")


def _key_uri(key: str) -> str:
    return f"https://{VAULT}.vault.azure.net/keys/{key}"


def _key_uri_with_version(key: str) -> str:
    return f"{_key_uri(key)}/{_hex(key)}"


def aks_user_kubeconfig(cluster: str) -> str:
    """What listClusterUserCredential returns with format=exec for an Entra ID cluster, base64."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": cluster,
                "cluster": {
                    "certificate-authority-data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==",
                    "server": f"https://{cluster}-dns-1a2b3c4d.hcp.{LOCATION}.azmk8s.io:443",
                },
            }
        ],
        "contexts": [
            {"name": cluster, "context": {"cluster": cluster, "user": f"clusterUser_{GROUP}_{cluster}"}}
        ],
        "current-context": cluster,
        "users": [
            {
                "name": f"clusterUser_{GROUP}_{cluster}",
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "kubelogin",
                        "args": [
                            "get-token",
                            "--environment",
                            "AzurePublicCloud",
                            "--server-id",
                            SERVER_ID,
                            "--client-id",
                            "80faf920-1908-4b52-b5ef-a8e7bedfc67a",
                            "--tenant-id",
                            TENANT,
                            "--login",
                            "devicecode",
                        ],
                        "provideClusterInfo": False,
                    }
                },
            }
        ],
    }
    return base64.b64encode(yaml.safe_dump(config).encode()).decode()


KEY_CREATED = 1_790_000_000
"""Creation time (seconds since the epoch) of the secrets key's current version, as Keys - Get reports it."""


class AzureMocks(pulumi.runtime.Mocks):
    """Provider outputs shaped as azure-native returns them, for every output the component reads."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        if args.typ == "azure-native:resources:ResourceGroup":
            group = inputs["resourceGroupName"]
            return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}", {**inputs, "name": group}
        if args.typ == "azure-native:managedidentity:UserAssignedIdentity":
            name = inputs["resourceName"]
            return _arm_id(GROUP, f"Microsoft.ManagedIdentity/userAssignedIdentities/{name}"), {
                **inputs,
                "name": name,
                "principalId": fake_uuid(f"{name}-principal"),
                "clientId": fake_uuid(f"{name}-client"),
                "tenantId": TENANT,
            }
        if args.typ == "azure-native:keyvault:Vault":
            name = inputs["vaultName"]
            properties = {**inputs["properties"], "vaultUri": f"https://{name}.vault.azure.net/"}
            return _arm_id(GROUP, f"Microsoft.KeyVault/vaults/{name}"), {
                **inputs,
                "name": name,
                "properties": properties,
            }
        if args.typ == "azure-native:keyvault:Key":
            key = inputs["keyName"]
            return _key_id(key), {
                **inputs,
                "name": key,
                "keyUri": _key_uri(key),
                "keyUriWithVersion": _key_uri_with_version(key),
            }
        if args.typ == "azure-native:containerservice:ManagedCluster":
            name = inputs["resourceName"]
            # The SDK reads `issuerURL` (its getter name), not `issuerUrl`.
            profile = {**inputs.get("oidcIssuerProfile", {}), "issuerURL": ISSUER}
            # The identity goes in as a list of ids and comes back as a map id -> principal.
            identities = {
                identity: {
                    "principalId": fake_uuid(f"{identity}-principal"),
                    "clientId": fake_uuid(f"{identity}-client"),
                }
                for identity in inputs["identity"]["userAssignedIdentities"]
            }
            return _arm_id(GROUP, f"Microsoft.ContainerService/managedClusters/{name}"), {
                **inputs,
                "name": name,
                "identity": {**inputs["identity"], "userAssignedIdentities": identities},
                "oidcIssuerProfile": profile,
                "fqdn": f"{name}-dns-1a2b3c4d.hcp.{LOCATION}.azmk8s.io",
            }
        if args.typ == "azure-native:authorization:RoleAssignment":
            assignment = fake_uuid(args.name)
            return f"{inputs['scope']}/providers/Microsoft.Authorization/roleAssignments/{assignment}", {
                **inputs,
                "name": assignment,
            }
        return f"{args.name}-id", inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == "azure-native:keyvault:getKey":
            key = args.args["keyName"]
            return {
                "keyUri": _key_uri(key),
                "keyUriWithVersion": _key_uri_with_version(key),
                "attributes": {"created": KEY_CREATED, "enabled": True},
            }, []
        if args.token == "azure-native:containerservice:listManagedClusterUserCredentials":
            value = aks_user_kubeconfig(args.args["resourceName"])
            return {"kubeconfigs": [{"name": "clusterUser", "value": value}]}, []
        return {}, []


@pytest.fixture(scope="module")
def monitor() -> CapturingMonitor:
    return install(AzureMocks())


@pytest.fixture(autouse=True)
def _fresh_registrations(monitor: CapturingMonitor) -> None:
    monitor.registrations.clear()


# --- pure helpers, no mocks ----------------------------------------------------------------------


def test_args_need_the_azure_block() -> None:
    aws = merge(BASE, {"cloud": "aws"})
    aws.pop("azure")
    with pytest.raises(ValueError, match="cloud: azure needs the secrets-platform:azure block"):
        foundation_args(StackConfig.model_validate(aws))


def test_happy_args_have_no_problem() -> None:
    assert check_foundation_args(foundation_args(stack())) == []


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"region": ""}, "location '' is not an Azure location such as westeurope (azure-native:location)"),
        ({"cluster": {"name": "s" * 55}}, f"cluster.name {'s' * 55!r} is 55 characters; AKS uses it"),
    ],
)
def test_args_refused(changes: dict[str, Any], problem: str) -> None:
    problems = check_foundation_args(foundation_args(stack(changes)))
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_role_definition_id_is_subscription_scoped() -> None:
    group_id = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}"
    assert subscription_of(group_id) == SUBSCRIPTION, "subscription_of must read the subscription"
    assert role_definition_id(SUBSCRIPTION, KEY_VAULT_CRYPTO_USER) == (
        f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
        "12338af0-0e69-4776-bea7-57ae8d297424"
    ), (
        "role_definition_id must be the subscription-scoped built-in role (Key Vault Crypto User: encrypt, decrypt)"
    )
    with pytest.raises(ValueError, match="not an ARM resource id"):
        subscription_of("rg-secrets-prod")


def test_kubeconfig_logs_in_with_the_azure_cli() -> None:
    config = yaml.safe_load(non_interactive_kubeconfig(aks_user_kubeconfig("secrets-prod")))
    exec_ = config["users"][0]["user"]["exec"]
    assert exec_["command"] == "kubelogin", "the token must come from kubelogin"
    args = exec_["args"]
    assert args[args.index("--login") + 1] == "azurecli", "kubelogin must not wait for a device code"
    assert args.count("--login") == 1, "kubelogin must get one login mode"
    assert args[args.index("--server-id") + 1] == SERVER_ID, "kubelogin must keep the AKS server id"


# --- the component under mocks -------------------------------------------------------------------


def test_refused_before_any_resource_exists(monitor: CapturingMonitor) -> None:
    with pytest.raises(ValueError, match="at most 54"):
        AzureFoundation("refused", foundation_args(stack({"cluster": {"name": "s" * 55}})))
    assert not monitor.registrations, "a refused stack must not register any resource"


@pulumi.runtime.test
def test_vault_is_purge_protected_and_rbac_only(monitor: CapturingMonitor) -> Any:
    foundation = AzureFoundation("found", foundation_args(stack()))

    def check(_: Any) -> None:
        vault = monitor.get("azure-native:keyvault:Vault", "found-vault")
        props = vault.inputs["properties"]
        assert props["enablePurgeProtection"] is True, "found-vault must be purge protected"
        assert props["enableSoftDelete"] is True, "found-vault must soft-delete"
        assert props["softDeleteRetentionInDays"] == 30, (
            "found-vault must keep deleted items for the stack's days"
        )
        assert props["enableRbacAuthorization"] is True, (
            "found-vault must use Azure RBAC, not access policies"
        )
        assert props["sku"] == {"family": "A", "name": "premium"}, "found-vault must be premium (HSM keys)"
        assert props["networkAcls"] == {
            "defaultAction": "Deny",
            "bypass": "AzureServices",
            "ipRules": [],
            "virtualNetworkRules": [
                {"id": "found-subnet-nodes-id", "ignoreMissingVnetServiceEndpoint": False},
                {"id": "found-subnet-functions-id", "ignoreMissingVnetServiceEndpoint": False},
            ],
        }, "found-vault must deny by default and admit the node and function subnets only"
        assert props["tenantId"] == TENANT, "found-vault tenant"
        assert vault.inputs["vaultName"] == VAULT, "found-vault name"
        assert vault.protect, "found-vault must be protected"
        group = monitor.get("azure-native:resources:ResourceGroup", "found-rg")
        assert group.protect, "found-rg must be protected"

    return foundation.vault_id.apply(check)


@pulumi.runtime.test
def test_keys_are_hsm_backed_rotating_and_protected(monitor: CapturingMonitor) -> Any:
    foundation = AzureFoundation("found", foundation_args(stack()))

    def check(_: Any) -> None:
        for role in ("secrets", "store"):
            key = monitor.get("azure-native:keyvault:Key", f"found-{role}-key")
            props = key.inputs["properties"]
            assert (props["kty"], props["keySize"]) == ("RSA-HSM", 3072), (
                f"found-{role}-key must be RSA-HSM 3072"
            )
            policy = props["rotationPolicy"]
            assert policy["attributes"] == {"expiryTime": "P1Y"}, f"found-{role}-key versions must expire"
            assert {"trigger": {"timeAfterCreate": "P90D"}, "action": {"type": "rotate"}} in policy[
                "lifetimeActions"
            ], f"found-{role}-key must rotate 30 days before expiry"
            assert key.inputs["keyName"] == f"secrets-prod-{role}", f"found-{role}-key name"
            assert key.protect, f"found-{role}-key must be protected"

    return pulumi.Output.all(foundation.secrets_key_id, foundation.store_key_id).apply(check)


@pulumi.runtime.test
def test_cluster_identity_may_use_the_secrets_key_only(monitor: CapturingMonitor) -> Any:
    foundation = AzureFoundation("found", foundation_args(stack()))

    def check(_: Any) -> None:
        access = monitor.get("azure-native:authorization:RoleAssignment", "found-cluster-key-access")
        assert access.inputs["scope"] == _key_id("secrets-prod-secrets"), (
            "found-cluster-key-access must be scoped to the secrets key"
        )
        assert access.inputs["roleDefinitionId"] == role_definition_id(SUBSCRIPTION, KEY_VAULT_CRYPTO_USER), (
            "found-cluster-key-access must grant Key Vault Crypto User"
        )
        assert access.inputs["principalId"] == fake_uuid("id-secrets-prod-principal"), (
            "found-cluster-key-access must name the cluster identity"
        )
        assert access.inputs["principalType"] == "ServicePrincipal", "found-cluster-key-access principal type"
        cluster = monitor.get("azure-native:containerservice:ManagedCluster", "found-cluster")
        assert access.urn in cluster.dependencies, "found-cluster must wait for its key access"

    return foundation.cluster.urn.apply(check)


def test_operators_administer_the_vault(monitor: CapturingMonitor) -> None:
    declare(lambda: AzureFoundation("found", foundation_args(stack())))
    admin = monitor.get("azure-native:authorization:RoleAssignment", "found-operators-vault-admin")
    assert admin.inputs["scope"] == _arm_id(GROUP, f"Microsoft.KeyVault/vaults/{VAULT}"), (
        "found-operators-vault-admin must be scoped to the vault"
    )
    assert admin.inputs["roleDefinitionId"] == role_definition_id(SUBSCRIPTION, KEY_VAULT_ADMINISTRATOR), (
        "found-operators-vault-admin must grant Key Vault Administrator"
    )
    assert (admin.inputs["principalId"], admin.inputs["principalType"]) == (OPERATORS, "Group"), (
        "found-operators-vault-admin must name the operators' group"
    )


@pulumi.runtime.test
def test_cluster_encrypts_secrets_with_the_secrets_key(monitor: CapturingMonitor) -> Any:
    foundation = AzureFoundation("found", foundation_args(stack()))

    def check(_: Any) -> None:
        cluster = monitor.get("azure-native:containerservice:ManagedCluster", "found-cluster")
        kms = cluster.inputs["securityProfile"]["azureKeyVaultKms"]
        assert kms == {
            "enabled": True,
            "keyId": _key_uri_with_version("secrets-prod-secrets"),
            "keyVaultNetworkAccess": "Private",
            "keyVaultResourceId": _arm_id(GROUP, f"Microsoft.KeyVault/vaults/{VAULT}"),
        }, "found-cluster must envelope-encrypt Secrets with the current version of the secrets key"
        assert cluster.inputs["tags"] == {"secrets-platform/kms-key-version-created": str(KEY_CREATED)}, (
            "found-cluster must record when its key version was created"
        )
        assert cluster.inputs["securityProfile"]["workloadIdentity"] == {"enabled": True}, (
            "found-cluster must enable workload identity"
        )
        assert cluster.inputs["oidcIssuerProfile"] == {"enabled": True}, (
            "found-cluster must issue OIDC tokens"
        )
        assert cluster.inputs["identity"] == {
            "type": "UserAssigned",
            "userAssignedIdentities": [
                _arm_id(GROUP, "Microsoft.ManagedIdentity/userAssignedIdentities/id-secrets-prod")
            ],
        }, "found-cluster must run as its user-assigned identity"

    return foundation.cluster.urn.apply(check)


@pulumi.runtime.test
def test_cluster_access_is_entra_id_only(monitor: CapturingMonitor) -> Any:
    foundation = AzureFoundation("found", foundation_args(stack()))

    def check(_: Any) -> None:
        inputs = monitor.get("azure-native:containerservice:ManagedCluster", "found-cluster").inputs
        assert inputs["disableLocalAccounts"] is True, "found-cluster must have no local accounts"
        assert inputs["aadProfile"] == {
            "managed": True,
            "enableAzureRBAC": True,
            "adminGroupObjectIDs": [OPERATORS],
            "tenantID": TENANT,
        }, "found-cluster must authenticate with Entra ID and make the operators admins"
        assert inputs["apiServerAccessProfile"] == {
            "authorizedIPRanges": ["198.51.100.0/24"],
            "enableVnetIntegration": True,
            "subnetId": "found-subnet-apiserver-id",
        }, "found-cluster API server must be reachable from the listed networks only"
        pool = inputs["agentPoolProfiles"][0]
        assert (pool["mode"], pool["count"], pool["vmSize"], pool["osType"]) == (
            "System",
            3,
            "Standard_D4s_v5",
            "Linux",
        ), "found-cluster system pool"
        assert inputs["kubernetesVersion"] == "1.31", "found-cluster version"

    return foundation.cluster.urn.apply(check)


@pulumi.runtime.test
def test_cluster_is_private_without_networks(monitor: CapturingMonitor) -> Any:
    foundation = AzureFoundation("found", foundation_args(stack({"cluster": {"publicAccessCidrs": []}})))

    def check(_: Any) -> None:
        inputs = monitor.get("azure-native:containerservice:ManagedCluster", "found-cluster").inputs
        assert inputs["apiServerAccessProfile"] == {
            "enablePrivateCluster": True,
            "enableVnetIntegration": True,
            "subnetId": "found-subnet-apiserver-id",
        }, "found-cluster must have no public API server when no network is listed"

    return foundation.cluster.urn.apply(check)


@pulumi.runtime.test
def test_kubernetes_provider_kubeconfig_is_a_secret(monitor: CapturingMonitor) -> Any:
    foundation = AzureFoundation("found", foundation_args(stack()))

    def check(_: Any) -> None:
        provider = monitor.get("pulumi:providers:kubernetes", "found-k8s")
        wrapped = provider.inputs["kubeconfig"]
        assert rpc.is_rpc_secret(wrapped), "found-k8s kubeconfig must be a secret"
        config = yaml.safe_load(rpc.unwrap_rpc_secret(wrapped))
        assert config["clusters"][0]["cluster"]["server"].startswith("https://secrets-prod-dns-"), (
            "found-k8s must reach the cluster"
        )
        args = config["users"][0]["user"]["exec"]["args"]
        assert args[args.index("--login") + 1] == "azurecli", "found-k8s must not wait for a device code"
        assert provider.inputs["enableServerSideApply"] == "true", "found-k8s must use server-side apply"

    return foundation.kubernetes_provider.urn.apply(check)


@pulumi.runtime.test
def test_outputs(monitor: CapturingMonitor) -> Any:
    foundation = AzureFoundation("found", foundation_args(stack()))

    def check(values: list[Any]) -> None:
        vault_uri, issuer, group, cluster_name, secrets_key, store_key = values
        assert vault_uri == f"https://{VAULT}.vault.azure.net/", "vault_uri must come from the vault"
        assert issuer == ISSUER, "oidc_issuer must come from the cluster's OIDC issuer profile"
        assert group == GROUP, "resource_group_name"
        assert cluster_name == "secrets-prod", "cluster_name"
        assert secrets_key == _key_uri("secrets-prod-secrets"), "secrets_key_id must be the secrets key"
        assert store_key == _key_uri("secrets-prod-store"), "store_key_id must be the store key"

    return pulumi.Output.all(
        foundation.vault_uri,
        foundation.oidc_issuer,
        foundation.resource_group_name,
        foundation.cluster_name,
        foundation.secrets_key_id,
        foundation.store_key_id,
    ).apply(check)
