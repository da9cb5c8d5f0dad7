"""Names of the Azure resources the platform derives from the stack config, and the rules Azure sets.

One source for the components (which name resources with these functions) and the config checks
(`config/references/`), so a name Azure would refuse is a config error, never a failed deployment.
Rules are from "Naming rules and restrictions for Azure resources" (Azure Resource Manager docs) and
each service's API reference, cited per rule.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass

AKS_DNS_PREFIX_MAX = 54
"""AKS uses the cluster name as the DNS prefix, which allows at most 54 characters."""

AKS_SERVICE_CIDR = "10.0.0.0/16"
"""Kubernetes Service addresses of the cluster (AKS's default, set explicitly); never inside the VNet."""
AKS_DNS_SERVICE_IP = "10.0.0.10"
"""CoreDNS's Service address, inside `AKS_SERVICE_CIDR` (AKS's default)."""
AKS_POD_CIDR = "10.244.0.0/16"
"""Pod addresses of Azure CNI Overlay (AKS's default); never inside the VNet."""

NETWORK_PREFIX_RANGE = (16, 24)
"""The VNet's prefix: /24 leaves a /25 for nodes, and in the other /25 a /28 for the API server, a /28
for the CMS database and a /26 for the function."""


@dataclass(frozen=True)
class NameRule:
    """What Azure accepts for one kind of name."""

    what: str
    pattern: re.Pattern[str]
    max_length: int
    source: str


KEY_VAULT_SECRET = NameRule(
    "Key Vault secret name",
    re.compile(r"^[0-9a-zA-Z-]+$"),
    127,
    "Key Vault: object names are 1-127 letters, digits and '-'",
)
USER_ASSIGNED_IDENTITY = NameRule(
    "managed identity name",
    re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$"),
    128,
    "Microsoft.ManagedIdentity/userAssignedIdentities: 3-128 letters, digits, '-' and '_'",
)
FEDERATED_CREDENTIAL = NameRule(
    "federated identity credential name",
    re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$"),
    120,
    "federatedIdentityCredentials: 3-120 characters, starting with a letter or digit",
)
FUNCTION_APP = NameRule(
    "function app name",
    re.compile(r"^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$"),
    60,
    "Microsoft.Web/sites: 2-60 letters, digits and '-', globally unique",
)
STORAGE_ACCOUNT = NameRule(
    "storage account name",
    re.compile(r"^[a-z0-9]{3,24}$"),
    24,
    "Microsoft.Storage/storageAccounts: 3-24 lower-case letters and digits, globally unique",
)
DATA_COLLECTION_RULE = NameRule(
    "data collection rule name",
    re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$"),
    64,
    "Microsoft.Insights/dataCollectionRules: at most 64 characters (Azure Monitor's onboarding template "
    "truncates its rule names there)",
)
DATA_COLLECTION_ENDPOINT = NameRule(
    "data collection endpoint name",
    re.compile(r"^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$"),
    43,
    "Microsoft.Insights/dataCollectionEndpoints: letters, digits and '-', at most 43 characters (Azure "
    "Monitor's onboarding template truncates its endpoint names there)",
)
LOG_ANALYTICS_WORKSPACE = NameRule(
    "Log Analytics workspace name",
    re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$"),
    63,
    "Microsoft.OperationalInsights/workspaces: 4-63 letters, digits and '-'",
)


def keyvault_secret_name(cluster: str, entry: str) -> str:
    """The Key Vault secret of a catalogue entry: the cluster scopes the catalogue, as on AWS."""
    return f"{cluster}-{entry}"


def workload_identity_name(cluster: str, workload: str) -> str:
    """The user-assigned identity External Secrets reads one workload's secrets as."""
    return f"id-{cluster}-{workload}"


def federated_credential_name(workload: str) -> str:
    """The credential that lets the workload's sync ServiceAccount act as its identity."""
    return f"{workload}-secret-sync"


def rotation_function_app_name(key_vault_name: str) -> str:
    """The rotation function app: named after the (globally unique) vault, so it is unique too."""
    return f"func-{key_vault_name}-rotation"


def rotation_storage_account_name(key_vault_name: str) -> str:
    """The function's storage account: letters and digits of the vault's name and a hash of it."""
    letters = re.sub(r"[^a-z0-9]", "", key_vault_name.lower())[:14]
    return f"st{letters}{hashlib.sha256(key_vault_name.encode()).hexdigest()[:8]}"


def log_workspace_name(cluster: str) -> str:
    """The Log Analytics workspace of the stack's audit logs."""
    return f"log-{cluster}"


def container_logs_rule_name(cluster: str) -> str:
    """The data collection rule that sends the BFF's and the CMS's container logs to the audit workspace."""
    return f"{cluster}-container-logs"


def vault_audit_ingestion_name(cluster: str) -> str:
    """The data collection endpoint and rule a shipper sends the Vault audit device's entries through."""
    return f"{cluster}-vault-audit"


VAULT_AUDIT_TABLE = "VaultAudit_CL"
"""The workspace's custom table of Vault audit entries (custom tables end in `_CL`)."""


def name_problem(rule: NameRule, name: str) -> str | None:
    """Why Azure would refuse `name` (None when it would not)."""
    if len(name) > rule.max_length or not rule.pattern.match(name):
        return f"a {rule.what} Azure accepts ({rule.source}), but the derived name {name!r} is not"
    return None


@dataclass(frozen=True)
class Subnets:
    """The VNet's subnets, derived from its address space."""

    nodes: str
    """First half of the space: the node pool."""
    api_server: str
    """A /28 at the start of the second half, delegated to AKS (API Server VNet Integration's minimum)."""
    functions: str
    """A /26 in the second half, delegated to App Service for the rotation function's VNet integration."""
    database: str
    """The /28 after the API server's, delegated to Flexible Server for the CMS database: the smallest
    subnet Flexible Server takes (11 usable addresses; a server with high availability uses 4), per
    "Networking overview with private access (VNet integration)"."""


def subnets(network_cidr: str) -> Subnets:
    """Split the VNet's space; `network_problem` must accept it first."""
    network = ipaddress.ip_network(network_cidr)
    first, second = network.subnets(prefixlen_diff=1)
    small = second.subnets(new_prefix=28)
    api_server, database = next(small), next(small)
    functions = list(second.subnets(new_prefix=26))[1]
    return Subnets(
        nodes=str(first), api_server=str(api_server), functions=str(functions), database=str(database)
    )


def database_server_name(cluster: str) -> str:
    """The CMS's Flexible Server (3-63 lower-case letters, digits and '-'; the cluster name is a
    Kubernetes name of at most 54 characters, so this always fits)."""
    return f"{cluster}-cms"


def database_dns_zone_name(cluster: str) -> str:
    """The private DNS zone of the CMS's server. Flexible Server with private access needs a zone that
    ends in `.postgres.database.azure.com` and is not named like a server ("Networking overview with
    private access": use `[name1].[name2].postgres.database.azure.com`)."""
    return f"{database_server_name(cluster)}.private.postgres.database.azure.com"


def network_problem(network_cidr: str) -> str | None:
    """Why the VNet's address space cannot hold the cluster (None when it can)."""
    network = ipaddress.ip_network(network_cidr)
    low, high = NETWORK_PREFIX_RANGE
    if network.version != 4 or not low <= network.prefixlen <= high:
        return f"an IPv4 network from /{low} to /{high}"
    if not network.is_private:
        return "a private network (RFC 1918), such as 10.240.0.0/16"
    for reserved, what in ((AKS_SERVICE_CIDR, "Service"), (AKS_POD_CIDR, "pod")):
        if network.overlaps(ipaddress.ip_network(reserved)):
            return f"a network that does not overlap {reserved}, the cluster's {what} addresses"
    return None


def firewall_cidr_problem(cidr: str) -> str | None:
    """Why Key Vault's firewall would refuse an IP rule (None when it accepts it).

    Key Vault network rules take public IPv4 addresses and ranges only ("Configure network security
    for Azure Key Vault": "IP network rules are only allowed for public IP addresses", "Only IPv4
    addresses are supported").
    """
    network = ipaddress.ip_network(cidr)
    if network.version != 4:
        return "an IPv4 network (Key Vault's firewall takes no IPv6 rule)"
    if any(network.overlaps(ipaddress.ip_network(private)) for private in RFC1918) or (
        network.is_loopback or network.is_link_local or network.is_multicast or network.is_unspecified
    ):
        return (
            "a public IPv4 network (Key Vault's firewall refuses private ranges: 10/8, 172.16/12, 192.168/16)"
        )
    return None


RFC1918 = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
"""The private ranges Key Vault's IP rules refuse ("Configure network security for Azure Key Vault")."""
