"""The stack's VNet: where the nodes, the API server and the rotation function reach the Key Vault from.

The vault's firewall denies by default (`components/azure/foundation.py`), so every caller of its data
plane needs a network path it admits:

- the API server's KMS plugin, through the private endpoint AKS creates for a `Private` KMS vault;
  that path needs API Server VNet Integration (AKS docs, "Add Key Management Service etcd encryption":
  "KMS supports API Server VNet Integration for both private and public key vaults"; a private vault
  "must use the API Server VNet Integration tunnel"), hence a subnet delegated to AKS;
- External Secrets on the nodes, and the rotation function (App Service VNet integration), through
  Key Vault service endpoints on their subnets, admitted by the vault's virtual network rules;
- the CMS's Flexible Server (with the CMS), in a subnet delegated to it: it reaches the store key as a
  trusted Microsoft service, not from its subnet, so that subnet has no Key Vault endpoint.

Helpers of the foundation (not a component of their own): their resources keep the foundation's
resource group as parent, like every other resource of the foundation.
"""

# No `from __future__ import annotations` here: see components/azure/foundation.py.
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native

from config import azure_names

KEY_VAULT_SERVICE_ENDPOINT = "Microsoft.KeyVault"
"""Service endpoint that lets the vault's virtual network rules admit a subnet (Key Vault docs,
"Virtual network service endpoints for Azure Key Vault")."""
AKS_DELEGATION = "Microsoft.ContainerService/managedClusters"
"""Delegation of the API server subnet (AKS docs, "API Server VNet Integration": the subnet must be
delegated to Microsoft.ContainerService/managedClusters and be at least /28)."""
APP_SERVICE_DELEGATION = "Microsoft.Web/serverFarms"
"""Delegation of the subnet an App Service plan integrates with (App Service docs, "Integrate your app
with an Azure virtual network": the subnet must be delegated to Microsoft.Web/serverFarms)."""
POSTGRES_DELEGATION = "Microsoft.DBforPostgreSQL/flexibleServers"
"""Delegation of the subnet a Flexible Server with private access is injected into ("Networking overview
with private access (VNet integration)": only Flexible Servers may use that subnet)."""


@dataclass(frozen=True)
class StackNetwork:
    """The VNet and the ids of its subnets."""

    vnet: azure_native.network.VirtualNetwork
    nodes_subnet_id: pulumi.Output[str]
    api_server_subnet_id: pulumi.Output[str]
    functions_subnet_id: pulumi.Output[str]
    database_subnet_id: pulumi.Output[str] | None
    """The CMS database's subnet, when the stack deploys the CMS."""


def stack_network(
    name: str,
    vnet_name: str,
    network_cidr: str,
    region: str,
    group: azure_native.resources.ResourceGroup,
    database_subnet: bool,
) -> StackNetwork:
    """The VNet with its node, API server and function subnets, and the CMS database's when asked
    (parented to the resource group)."""
    subnets = azure_names.subnets(network_cidr)
    vnet = azure_native.network.VirtualNetwork(
        f"{name}-vnet",
        virtual_network_name=vnet_name,
        resource_group_name=group.name,
        location=region,
        address_space={"address_prefixes": [network_cidr]},
        # Subnets are their own resources below; an inline list here would fight them on every update.
        opts=pulumi.ResourceOptions(parent=group, ignore_changes=["subnets"]),
    )

    def subnet(
        role: str,
        prefix: str,
        delegation: str | None,
        endpoints: bool,
        after: list[pulumi.Resource],
        default_outbound: bool = False,
    ) -> azure_native.network.Subnet:
        return azure_native.network.Subnet(
            f"{name}-subnet-{role}",
            subnet_name=role,
            resource_group_name=group.name,
            virtual_network_name=vnet.name,
            address_prefix=prefix,
            delegations=[{"name": role, "service_name": delegation}] if delegation else [],
            service_endpoints=[{"service": KEY_VAULT_SERVICE_ENDPOINT}] if endpoints else [],
            default_outbound_access=default_outbound,
            opts=pulumi.ResourceOptions(parent=vnet, depends_on=after),
        )

    # One subnet at a time: Azure refuses concurrent updates of one VNet's subnets (AnotherOperationInProgress).
    # No implicit outbound IP on the stack's own subnets (Azure retires default outbound access): nodes
    # leave through the cluster's load balancer, the function through its plan's own outbound addresses.
    nodes = subnet("nodes", subnets.nodes, None, endpoints=True, after=[])
    api_server = subnet("apiserver", subnets.api_server, AKS_DELEGATION, endpoints=False, after=[nodes])
    functions = subnet(
        "functions", subnets.functions, APP_SERVICE_DELEGATION, endpoints=True, after=[api_server]
    )
    database = (
        subnet(
            "database",
            subnets.database,
            POSTGRES_DELEGATION,
            endpoints=False,
            after=[functions],
            # The managed server is the subnet's only tenant (delegation), and it sends WAL archives to
            # Azure Storage and checks Entra logins with Microsoft Entra ID from it ("Networking overview
            # with private access": allow both outbound). The stack has no NAT gateway, so this subnet
            # keeps default outbound access, set explicitly: new VNets default to private subnets.
            default_outbound=True,
        )
        if database_subnet
        else None
    )
    return StackNetwork(
        vnet=vnet,
        nodes_subnet_id=nodes.id,
        api_server_subnet_id=api_server.id,
        functions_subnet_id=functions.id,
        database_subnet_id=database.id if database is not None else None,
    )
