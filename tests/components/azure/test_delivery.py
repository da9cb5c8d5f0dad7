"""The Azure plan's access model, asserted on the real prod stack: every role assignment's exact role
definition and scope, the workload identity's federation, the ESO store, the vault firewall, the audit."""

from __future__ import annotations

import json
from typing import Any

from config.azure_names import rotation_storage_account_name
from offline.mocks import SUBSCRIPTION
from offline.runtime import Capture
from tests.components._support import by_name as _by_name

ROLE = f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
KEY_VAULT_CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424"
KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
KEY_VAULT_SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
KEY_VAULT_ADMINISTRATOR = "00482a5a-887f-4fb3-b363-3b7fe8e74483"
KEY_VAULT_CONTRIBUTOR = "f25e0fa2-a7c8-4377-a976-54943a77a395"
KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
STORAGE_BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
GROUP = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-secrets-prod/providers"
VAULT = f"{GROUP}/Microsoft.KeyVault/vaults/kv-secrets-prod-weu"


def _principal(capture: Capture, identity: str) -> str:
    """The principal id the mocks give a user-assigned identity (what a role assignment names)."""
    from offline.mocks import _suffix

    return f"{_suffix(identity)}-0000-4000-8000-000000000001"


def test_every_role_assignment_has_its_exact_role_and_scope(prod: Capture) -> None:
    assignments = {
        r.name: (r.inputs["roleDefinitionId"], r.inputs["scope"], r.inputs["principalType"])
        for r in prod.resources
        if r.type == "azure-native:authorization:RoleAssignment"
    }
    secret = f"{VAULT}/secrets/secrets-prod-orders-queue"
    assert assignments == {
        # The KMS identity: encrypt and decrypt on the secrets key only (not Crypto Service Encryption User).
        "secrets-azure-cluster-key-access": (
            ROLE + KEY_VAULT_CRYPTO_USER, f"{VAULT}/keys/secrets-prod-secrets", "ServicePrincipal"),
        # AKS creates the private KMS vault's private endpoint with it (management plane, no data access).
        "secrets-azure-cluster-vault-private-link": (ROLE + KEY_VAULT_CONTRIBUTOR, VAULT, "ServicePrincipal"),
        "secrets-azure-cluster-network": (
            ROLE + NETWORK_CONTRIBUTOR, f"{GROUP}/Microsoft.Network/virtualNetworks/vnet-secrets-prod",
            "ServicePrincipal"),
        "secrets-azure-operators-vault-admin": (ROLE + KEY_VAULT_ADMINISTRATOR, VAULT, "Group"),
        # The workload's sync identity reads exactly its secret.
        "secrets-store-identity-orders-api-read-orders-queue": (
            ROLE + KEY_VAULT_SECRETS_USER, secret, "ServicePrincipal"),
        # The rotation function writes exactly the secrets it rotates, and owns its storage account.
        "secrets-store-store-rotation-access-secrets-prod-orders-queue": (
            ROLE + KEY_VAULT_SECRETS_OFFICER, secret, "ServicePrincipal"),
        "secrets-store-store-rotation-storage-access": (
            ROLE + STORAGE_BLOB_DATA_OWNER,
            f"{GROUP}/Microsoft.Storage/storageAccounts/{rotation_storage_account_name('kv-secrets-prod-weu')}",
            "ServicePrincipal"),
        # The storage account wraps its key with the store key, and can do nothing else with it.
        "secrets-store-store-rotation-storage-key-access": (
            ROLE + KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, f"{VAULT}/keys/secrets-prod-store",
            "ServicePrincipal"),
        # The CMS's Flexible Server wraps its data key with the store key ("Data encryption": Key Vault
        # Crypto Service Encryption User for the server's identity), in the stack's own subscription.
        "secrets-cms-database-key-access": (
            ROLE + KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, f"{VAULT}/keys/secrets-prod-store",
            "ServicePrincipal"),
    }  # fmt: skip


def test_each_principal_is_the_identity_it_is_meant_for(prod: Capture) -> None:
    def principal(name: str) -> str:
        return _by_name(prod, name).inputs["principalId"]

    assert principal("secrets-azure-cluster-key-access") == _principal(prod, "id-secrets-prod")
    assert principal("secrets-store-identity-orders-api-read-orders-queue") == _principal(
        prod, "id-secrets-prod-orders-api"
    )
    assert principal("secrets-store-store-rotation-access-secrets-prod-orders-queue") == _principal(
        prod, "id-secrets-prod-secret-rotation"
    )


def test_the_federated_credential_trusts_one_service_account_of_the_cluster(prod: Capture) -> None:
    federation = _by_name(prod, "secrets-store-identity-orders-api-federation").inputs
    cluster = _by_name(prod, "secrets-azure-cluster")
    assert federation["subject"] == "system:serviceaccount:orders:orders-api-secret-sync"
    assert federation["audiences"] == ["api://AzureADTokenExchange"]
    assert federation["issuer"].startswith("https://westeurope.oic.prod-aks.azure.com/")
    assert cluster.inputs["oidcIssuerProfile"] == {"enabled": True}
    account = _by_name(prod, "secrets-store-identity-orders-api-sa").inputs["metadata"]
    assert account["annotations"]["azure.workload.identity/client-id"].endswith("-000000000002")


def test_the_secret_store_reads_key_vault_as_that_account(prod: Capture) -> None:
    store = _by_name(prod, "secrets-store-sync-store-orders-api-store").inputs
    assert store["metadata"]["name"] == "orders-api-key-vault"
    assert store["spec"]["provider"] == {
        "azurekv": {
            "authType": "WorkloadIdentity",
            "vaultUrl": "https://kv-secrets-prod-weu.vault.azure.net/",
            "tenantId": "8f1c2a4e-1b2c-4d5e-8f90-1a2b3c4d5e6f",
            "serviceAccountRef": {"name": "orders-api-secret-sync"},
        }
    }
    external = _by_name(prod, "secrets-store-synced-orders-queue-external-secret").inputs["spec"]
    assert {d["remoteRef"]["key"] for d in external["data"]} == {"secrets-prod-orders-queue"}
    # Re-read at least four times per 30-day rotation, and at most hourly.
    assert external["refreshInterval"] == "1h"


def test_the_key_vault_secret_expires_is_json_and_tagged_for_the_function(prod: Capture) -> None:
    secret = _by_name(prod, "secrets-store-store-orders-queue")
    assert "properties.value" in secret.secret_paths or "properties" in secret.secret_paths
    props = secret.inputs["properties"]
    assert props == "[secret]" or isinstance(props, dict)
    assert secret.inputs["tags"]["secrets-platform/rotated-by"] == "function"
    assert secret.inputs["tags"]["secrets-platform/rotation-days"] == "30"
    assert set(secret.options["ignoreChanges"]) == {"properties.value", "properties.attributes"}


def test_the_vault_firewall_denies_by_default_and_admits_listed_networks(prod: Capture) -> None:
    acls = _by_name(prod, "secrets-azure-vault").inputs["properties"]["networkAcls"]
    assert acls["defaultAction"] == "Deny"
    assert acls["ipRules"] == [{"value": "198.51.100.0/24"}]
    assert {rule["id"].rsplit("/", 1)[-1] for rule in acls["virtualNetworkRules"]} == {"nodes", "functions"}
    kms = _by_name(prod, "secrets-azure-cluster").inputs["securityProfile"]["azureKeyVaultKms"]
    assert kms["keyVaultNetworkAccess"] == "Private" and kms["keyVaultResourceId"] == VAULT
    assert kms["keyId"].startswith("https://kv-secrets-prod-weu.vault.azure.net/keys/secrets-prod-secrets/")
    access = _by_name(prod, "secrets-azure-cluster").inputs["apiServerAccessProfile"]
    assert access["enableVnetIntegration"] is True and access["subnetId"].endswith("/subnets/apiserver")


def test_the_rotation_function_is_triggered_by_near_expiry_of_its_secrets_only(prod: Capture) -> None:
    subscription = _by_name(prod, "secrets-store-store-near-expiry").inputs
    assert subscription["filter"]["includedEventTypes"] == ["Microsoft.KeyVault.SecretNearExpiry"]
    assert subscription["filter"]["advancedFilters"] == [
        {"operatorType": "StringIn", "key": "data.ObjectName", "values": ["secrets-prod-orders-queue"]}
    ]
    assert subscription["destination"]["endpointType"] == "AzureFunction"
    assert subscription["destination"]["resourceId"].endswith(
        "/Microsoft.Web/sites/func-kv-secrets-prod-weu-rotation/functions/rotate_secret"
    )
    app = _by_name(prod, "secrets-store-store-rotation").inputs
    settings = {s["name"]: s["value"] for s in app["siteConfig"]["appSettings"]}
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert not any("AccountKey" in str(v) for v in settings.values()), "no storage key in app settings"
    assert app["virtualNetworkSubnetId"].endswith("/subnets/functions")
    account = _by_name(prod, "secrets-store-store-rotation-storage").inputs
    assert account["allowSharedKeyAccess"] is False
    assert account["encryption"]["keyVaultProperties"]["keyName"] == "secrets-prod-store"


def test_audit_logs_and_alerts(prod: Capture) -> None:
    diagnostics = {
        r.name: r.inputs for r in prod.resources if r.type == "azure-native:monitor:DiagnosticSetting"
    }
    assert {d["logs"][0]["category"] for d in diagnostics.values()} == {"AuditEvent", "kube-audit"}
    workspace = _by_name(prod, "secrets-store-audit-workspace").inputs
    assert workspace["retentionInDays"] == 365
    group = _by_name(prod, "secrets-store-audit-alerts").inputs
    assert group["emailReceivers"][0]["emailAddress"] == "secops@example.com"
    unexpected = _by_name(prod, "secrets-store-audit-unexpected-reader-alert").inputs
    query = unexpected["criteria"]["allOf"][0]["query"]
    expected = json.loads(query.split("dynamic(", 1)[1].split(");", 1)[0])
    assert expected == sorted(
        {_principal(prod, "id-secrets-prod-orders-api"), _principal(prod, "id-secrets-prod-secret-rotation")}
    )
    for alert in ("denied-access", "unexpected-reader", "kubernetes-secret-denied"):
        rule: dict[str, Any] = _by_name(prod, f"secrets-store-audit-{alert}-alert").inputs
        assert rule["actions"]["actionGroups"] == [
            f"{GROUP}/microsoft.insights/actionGroups/secrets-prod-secrets-audit"
        ]
