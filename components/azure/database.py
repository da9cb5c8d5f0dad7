"""The CMS's database on Azure: Database for PostgreSQL Flexible Server, private, customer key, TLS only.

The server is injected into the stack's own VNet, in the subnet the foundation delegates to it (private
access: "Networking overview with private access (VNet integration)"), next to the nodes the CMS runs
on, and has no public endpoint; its name resolves through a private DNS zone linked to that VNet. Its
data is encrypted with the stack's store key through a user-assigned identity that may only wrap and
unwrap with that one key ("Data encryption": the identity gets Key Vault Crypto Service Encryption
User), reaching the firewalled vault as a trusted Microsoft service. The operations team's Entra ID
group is its Microsoft Entra administrator; the CMS logs in with the password login, whose password is
a catalogue secret (a version bump rotates it). TLS is required (`require_secure_transport`, TLS 1.2 at
least), every connection and disconnection is logged, and a `CanNotDelete` lock (with `protect`) keeps
the server.
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints` (see components/aws/foundation.py).
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure_native

from components.azure.foundation import (
    KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER,
    role_definition_id,
    subscription_of,
)
from config.azure_names import database_dns_zone_name, database_server_name

POSTGRES_PORT = 5432
POSTGRES_MAJOR = azure_native.dbforpostgresql.PostgresMajorVersion.POSTGRES_MAJOR_VERSION_16
DATABASE_NAME = "postgres"
"""Flexible Server creates the `postgres` database; Directus creates its tables there."""
ADMIN_LOGIN = "directus"
"""The password login the CMS uses (fixed for the server's life once created)."""

ENTRA_GROUP = "Group"
"""The administrator's principal type (flexibleServers/administrators, API 2025-01-01-preview, the SDK's:
`principalType` is one of `Group`, `ServicePrincipal`, `Unknown`, `User`). Written out: in
pulumi-azure-native 3.29.0 the `PrincipalType` enum of this module is another API's (`group`)."""

SERVER_PARAMETERS = {
    # "Connect with TLS/SSL": on by default, pinned here; TLS 1.2 or later only.
    "require_secure_transport": "ON",
    "ssl_min_protocol_version": "TLSv1.2",
    # PostgreSQL docs, "Error Reporting and Logging": every connection attempt and session end.
    "log_connections": "on",
    "log_disconnections": "on",
}


@dataclass(frozen=True, kw_only=True)
class FlexibleServerDatabaseArgs:
    cluster_name: str
    """Name of the AKS cluster; the server is `<cluster>-cms`."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the stack."""
    resource_group_id: pulumi.Input[str]
    """ARM id of that group: the role definition id is scoped to its subscription."""
    location: str
    """Azure location."""
    tenant_id: str
    """Entra ID tenant of the administrator group."""
    administrator_group_object_id: str
    """Entra ID group that administers the server (the operations team)."""
    administrator_group_name: str
    """That group's display name: the server's PostgreSQL role for the group is named after it, and its
    members log in with it as user name ("Microsoft Entra authentication": the administrator's
    `principalName`)."""
    virtual_network_id: pulumi.Input[str]
    """The stack's VNet, which the private DNS zone is linked to."""
    subnet_id: pulumi.Input[str]
    """The VNet's subnet delegated to `Microsoft.DBforPostgreSQL/flexibleServers`."""
    subnet_cidr: str
    """Its address range (the CMS's only egress besides DNS)."""
    store_key_resource_id: pulumi.Input[str]
    """ARM id of the store key: the scope of the identity's one role."""
    store_key_uri: pulumi.Input[str]
    """Versionless URI of the store key (the server follows its rotations)."""
    password: pulumi.Input[str]
    """Password of the CMS's login (a Pulumi secret from the catalogue)."""
    sku: str
    """Compute SKU, such as `Standard_B2ms`."""
    storage_gb: int
    """Storage in GiB."""
    backup_days: int
    """Days of backups."""


def sku_tier(sku: str) -> str:
    """Flexible Server's tier of a SKU name: `Standard_B*` burstable, `Standard_E*` memory optimized."""
    family = sku.removeprefix("Standard_")[:1]
    return {"B": "Burstable", "E": "MemoryOptimized"}.get(family, "GeneralPurpose")


def check_database_args(args: FlexibleServerDatabaseArgs) -> list[str]:
    """Why these arguments cannot make the server (empty when they can); pure, tested without mocks."""
    problems = []
    if not args.sku.startswith("Standard_"):
        problems.append(f"SKU {args.sku!r} is not a Flexible Server SKU such as Standard_B2ms")
    if not 7 <= args.backup_days <= 35:
        problems.append(f"backup retention {args.backup_days} is outside 7 to 35 days")
    return problems


class FlexibleServerDatabase(pulumi.ComponentResource):
    """Flexible Server for the CMS: private access, store key, Entra ID admin, TLS, logged, locked."""

    host: pulumi.Output[str]
    """Private DNS name of the server."""
    port: int
    """PostgreSQL port."""
    database_name: str
    """The CMS's database."""
    username: pulumi.Output[str]
    """The password login the CMS uses."""
    subnet_cidr: pulumi.Output[str]
    """Address range of the delegated subnet (the CMS's only egress besides DNS)."""
    server_id: pulumi.Output[str]
    """ARM id of the server."""

    def __init__(
        self, name: str, args: FlexibleServerDatabaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_database_args(args)
        if problems:
            raise ValueError("CMS database: " + "; ".join(problems))
        super().__init__("secrets-platform:azure_database:FlexibleServerDatabase", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        server_name = database_server_name(args.cluster_name)
        identity = azure_native.managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            resource_name_=f"id-{server_name}",
            resource_group_name=args.resource_group_name,
            location=args.location,
            opts=child,
        )
        key_access = azure_native.authorization.RoleAssignment(
            f"{name}-key-access",
            principal_id=identity.principal_id,
            principal_type=azure_native.authorization.PrincipalType.SERVICE_PRINCIPAL,
            # "Data encryption", requirements: with the RBAC permission model, the server's
            # user-assigned identity gets Key Vault Crypto Service Encryption User, on this key only.
            role_definition_id=pulumi.Output.from_input(args.resource_group_id).apply(
                lambda group: role_definition_id(
                    subscription_of(group), KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER
                )
            ),
            scope=args.store_key_resource_id,
            opts=pulumi.ResourceOptions(parent=identity),
        )
        zone = azure_native.privatedns.PrivateZone(
            f"{name}-dns",
            private_zone_name=database_dns_zone_name(args.cluster_name),
            resource_group_name=args.resource_group_name,
            location="Global",
            opts=child,
        )
        link = azure_native.privatedns.VirtualNetworkLink(
            f"{name}-dns-link",
            private_zone_name=zone.name,
            resource_group_name=args.resource_group_name,
            location="Global",
            registration_enabled=False,
            virtual_network={"id": args.virtual_network_id},
            opts=pulumi.ResourceOptions(parent=zone),
        )
        server = azure_native.dbforpostgresql.Server(
            f"{name}-server",
            server_name=server_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            version=POSTGRES_MAJOR,
            sku={"name": args.sku, "tier": sku_tier(args.sku)},
            storage={"storage_size_gb": args.storage_gb},
            backup={
                "backup_retention_days": args.backup_days,
                "geo_redundant_backup": azure_native.dbforpostgresql.GeographicallyRedundantBackup.DISABLED,
            },
            network={
                "delegated_subnet_resource_id": args.subnet_id,
                "private_dns_zone_arm_resource_id": zone.id,
                "public_network_access": azure_native.dbforpostgresql.ServerPublicNetworkAccessState.DISABLED,
            },
            auth_config={
                "active_directory_auth": azure_native.dbforpostgresql.MicrosoftEntraAuth.ENABLED,
                "password_auth": azure_native.dbforpostgresql.PasswordBasedAuth.ENABLED,
                "tenant_id": args.tenant_id,
            },
            administrator_login=ADMIN_LOGIN,
            administrator_login_password=pulumi.Output.secret(args.password),
            identity=identity.id.apply(
                lambda identity_id: {
                    "type": azure_native.dbforpostgresql.IdentityType.USER_ASSIGNED,
                    "user_assigned_identities": {identity_id: {}},
                }
            ),
            data_encryption={
                "type": azure_native.dbforpostgresql.DataEncryptionType.AZURE_KEY_VAULT,
                # Versionless: the server adopts each new version Key Vault's rotation policy makes
                # ("Automatic CMK key version updates", generally available since May 2025).
                "primary_key_uri": args.store_key_uri,
                "primary_user_assigned_identity_id": identity.id,
            },
            opts=pulumi.ResourceOptions(parent=self, protect=True, depends_on=[key_access, link]),
        )
        server_child = pulumi.ResourceOptions(parent=server)
        azure_native.authorization.ManagementLockByScope(
            f"{name}-lock",
            lock_name="cms-database-cannot-delete",
            level=azure_native.authorization.LockLevel.CAN_NOT_DELETE,
            scope=server.id,
            notes="The CMS's data: remove this lock deliberately before deleting the server.",
            opts=server_child,
        )
        for parameter, value in SERVER_PARAMETERS.items():
            azure_native.dbforpostgresql.Configuration(
                f"{name}-{parameter.replace('_', '-')}",
                resource_group_name=args.resource_group_name,
                server_name=server.name,
                configuration_name=parameter,
                value=value,
                source="user-override",
                opts=server_child,
            )
        azure_native.dbforpostgresql.Administrator(
            f"{name}-entra-admin",
            resource_group_name=args.resource_group_name,
            server_name=server.name,
            object_id=args.administrator_group_object_id,
            principal_name=args.administrator_group_name,
            principal_type=ENTRA_GROUP,
            tenant_id=args.tenant_id,
            opts=server_child,
        )
        self.host = server.fully_qualified_domain_name.apply(lambda fqdn: fqdn or "")
        self.port = POSTGRES_PORT
        self.database_name = DATABASE_NAME
        self.username = pulumi.Output.from_input(ADMIN_LOGIN)
        self.subnet_cidr = pulumi.Output.from_input(args.subnet_cidr)
        self.server_id = server.id
        self.register_outputs(
            {
                "host": self.host,
                "port": self.port,
                "database_name": self.database_name,
                "subnet_cidr": self.subnet_cidr,
                "server_id": self.server_id,
            }
        )
