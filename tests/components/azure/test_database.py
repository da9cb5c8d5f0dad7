"""The CMS's Flexible Server on the prod plan: in the stack's own VNet, private, encrypted with the store
key by an identity that can do nothing else, administered by the operators' Entra group; and the pure
parts (the VNet's subnets, the argument checks, the config rules) without mocks."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from components.azure.database import FlexibleServerDatabaseArgs, check_database_args
from config.azure_names import NETWORK_PREFIX_RANGE, database_dns_zone_name, network_problem, subnets
from config.models import StackConfig
from config.references import check_references
from offline.mocks import SUBSCRIPTION, _suffix
from offline.runtime import Capture
from tests.components._support import by_name as _one

GROUP_ID = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-secrets-prod"
VNET = f"{GROUP_ID}/providers/Microsoft.Network/virtualNetworks/vnet-secrets-prod"
STORE_KEY = f"{GROUP_ID}/providers/Microsoft.KeyVault/vaults/kv-secrets-prod-weu/keys/secrets-prod-store"
ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6"
"""Key Vault Crypto Service Encryption User (Azure built-in roles)."""


def test_the_server_is_injected_into_the_stacks_own_delegated_subnet(prod: Capture) -> None:
    subnet = _one(prod, "secrets-azure-subnet-database")
    assert subnet.inputs["virtualNetworkName"] == "vnet-secrets-prod"
    assert subnet.inputs["addressPrefix"] == "10.240.128.16/28" == subnets("10.240.0.0/16").database
    assert subnet.inputs["delegations"] == [
        {"name": "database", "serviceName": "Microsoft.DBforPostgreSQL/flexibleServers"}
    ]
    # The server reaches the store key as a trusted service, not through this subnet.
    assert subnet.inputs["serviceEndpoints"] == []
    network = _one(prod, "secrets-cms-database-server").inputs["network"]
    assert network["delegatedSubnetResourceId"] == f"{VNET}/subnets/database"
    assert network["publicNetworkAccess"] == "Disabled"
    # Subnets of one VNet are changed one at a time (AnotherOperationInProgress otherwise).
    assert any(d.endswith("::secrets-azure-subnet-functions") for d in subnet.dependencies), subnet.urn


def test_its_name_resolves_through_a_private_zone_linked_to_the_stacks_vnet(prod: Capture) -> None:
    zone = _one(prod, "secrets-cms-database-dns").inputs
    assert zone["privateZoneName"] == "secrets-prod-cms.private.postgres.database.azure.com"
    assert zone["privateZoneName"].endswith(".postgres.database.azure.com")
    link = _one(prod, "secrets-cms-database-dns-link").inputs
    assert link["virtualNetwork"] == {"id": VNET}
    assert link["registrationEnabled"] is False
    server = _one(prod, "secrets-cms-database-server").inputs
    assert server["network"]["privateDnsZoneArmResourceId"].endswith(
        "/privateDnsZones/secrets-prod-cms.private.postgres.database.azure.com"
    )


def test_only_the_servers_identity_may_wrap_with_the_store_key(prod: Capture) -> None:
    assert _one(prod, "secrets-cms-database-identity").inputs["resourceName"] == "id-secrets-prod-cms"
    access = _one(prod, "secrets-cms-database-key-access").inputs
    assert access["roleDefinitionId"] == (
        f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/{ENCRYPTION_USER}"
    )
    assert access["scope"] == STORE_KEY
    # The principal the mocks give identity `id-secrets-prod-cms` (what a role assignment names).
    assert access["principalId"] == f"{_suffix('id-secrets-prod-cms')}-0000-4000-8000-000000000001"
    encryption = _one(prod, "secrets-cms-database-server").inputs["dataEncryption"]
    assert encryption["type"] == "AzureKeyVault"
    # Versionless: the server follows the key's rotations.
    assert (
        encryption["primaryKeyURI"] == "https://kv-secrets-prod-weu.vault.azure.net/keys/secrets-prod-store"
    )
    assert encryption["primaryUserAssignedIdentityId"].endswith("/userAssignedIdentities/id-secrets-prod-cms")


def test_the_operators_group_administers_it_by_its_display_name(prod: Capture) -> None:
    admin = _one(prod, "secrets-cms-database-entra-admin").inputs
    assert admin["objectId"] == "3c9d1e2f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
    assert admin["principalName"] == "platform-operators"
    # The API's spelling (flexibleServers/administrators: Group, ServicePrincipal, Unknown, User).
    assert admin["principalType"] == "Group"


def test_the_cms_may_reach_only_the_database_subnet(prod: Capture) -> None:
    policy = _one(prod, "secrets-cms-allow-database").inputs["spec"]
    assert policy["egress"][0]["to"] == [{"ipBlock": {"cidr": "10.240.128.16/28"}}]


def test_the_vault_firewall_admits_the_stacks_subnets_and_trusted_services_only(prod: Capture) -> None:
    acls = _one(prod, "secrets-azure-vault").inputs["properties"]["networkAcls"]
    # Flexible Server (like Storage) is a trusted Microsoft service of Key Vault's firewall.
    assert acls["bypass"] == "AzureServices" and acls["defaultAction"] == "Deny"
    assert {rule["id"].rsplit("/", 1)[-1] for rule in acls["virtualNetworkRules"]} == {"nodes", "functions"}


# --- pure parts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", range(NETWORK_PREFIX_RANGE[0], NETWORK_PREFIX_RANGE[1] + 1))
def test_the_subnets_never_overlap_and_stay_in_the_vnet(prefix: int) -> None:
    cidr = f"10.{prefix}.0.0/{prefix}" if prefix <= 16 else f"10.20.0.0/{prefix}"
    assert network_problem(cidr) is None
    network = ipaddress.ip_network(cidr)
    parts = subnets(cidr)
    nets = [ipaddress.ip_network(getattr(parts, f)) for f in ("nodes", "api_server", "functions", "database")]
    assert all(n.subnet_of(network) for n in nets)
    assert not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1 :]), parts
    assert ipaddress.ip_network(parts.database).prefixlen == 28, "Flexible Server's smallest subnet"


def test_the_zone_name_is_not_the_servers_own() -> None:
    assert database_dns_zone_name("secrets-prod") != "secrets-prod-cms.postgres.database.azure.com"


def _args(**changes: Any) -> FlexibleServerDatabaseArgs:
    base: dict[str, Any] = {
        "cluster_name": "secrets-prod",
        "resource_group_name": "rg",
        "resource_group_id": GROUP_ID,
        "location": "westeurope",
        "tenant_id": "t",
        "administrator_group_object_id": "g",
        "administrator_group_name": "platform-operators",
        "virtual_network_id": VNET,
        "subnet_id": f"{VNET}/subnets/database",
        "subnet_cidr": "10.240.128.16/28",
        "store_key_resource_id": STORE_KEY,
        "store_key_uri": "https://kv/keys/k",
        "password": "p",
        "sku": "Standard_B2ms",
        "storage_gb": 32,
        "backup_days": 7,
    }
    return FlexibleServerDatabaseArgs(**{**base, **changes})


def test_happy_database_args_have_no_problem() -> None:
    assert check_database_args(_args()) == []


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"sku": "B2ms"}, "not a Flexible Server SKU"),
        ({"backup_days": 36}, "outside 7 to 35 days"),
    ],
)
def test_database_args_refused(changes: dict[str, Any], problem: str) -> None:
    assert any(problem in p for p in check_database_args(_args(**changes)))


def _azure_stack(cms: dict[str, Any], azure: dict[str, Any]) -> StackConfig:
    return StackConfig.model_validate(
        {
            "cloud": "azure",
            "region": "westeurope",
            "azure": {
                "tenantId": "8f1c2a4e-1b2c-4d5e-8f90-1a2b3c4d5e6f",
                "resourceGroupName": "rg-secrets-t",
                "keyVaultName": "kv-secrets-t",
                "operatorGroupObjectId": "3c9d1e2f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
                **azure,
            },
            "cluster": {"name": "secrets-t"},
            "operators": {"group": "3c9d1e2f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"},
            "bff": {
                "hostname": "bff.example.com",
                "oauthIssuer": "https://auth.example.com/",
                "oauthAudience": "apps",
            },
            "edge": {"acme": {"email": "secops@example.com"}},
            "cms": cms,
            "alerting": {"email": "secops@example.com"},
        }
    )


def test_the_group_name_is_refused_where_nothing_reads_it() -> None:
    problems = check_references(_azure_stack({"enabled": False}, {"operatorGroupName": "platform-operators"}))
    assert [(p.key, p.expected) for p in problems if "operatorGroupName" in p.key] == [
        (
            "secrets-platform:azure.operatorGroupName",
            "nothing while cms.enabled is false (only the CMS database's Entra administrator uses it)",
        )
    ]
    assert not any(
        "operatorGroupName" in p.key for p in check_references(_azure_stack({"enabled": False}, {}))
    )


def test_the_database_subnet_is_no_longer_a_setting() -> None:
    with pytest.raises(ValueError, match="databaseSubnetId"):
        _azure_stack({"enabled": False}, {"databaseSubnetId": f"{VNET}/subnets/database"})
