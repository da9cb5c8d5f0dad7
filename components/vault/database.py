"""Vault's database secrets engine: PostgreSQL credentials issued on demand, one user per lease.

For each `vault.databases` entry the engine holds one connection (Vault logs in as an admin user whose
password is a secret config key) and, per catalogue secret naming it (`database:`), one role. A read of
`<mount>/creds/<role>` creates a PostgreSQL user that inherits exactly `grantRole` and expires with its
lease (`VALID UNTIL` in PostgreSQL, revocation by Vault at lease end); nothing long-lived is handed to a
workload. External Secrets asks for new credentials at half the lease's lifetime
(`components/vault/dynamic_secret.py`), so a pod always holds credentials valid for the other half.

Only the admin password passes through Pulumi, as a write-only input (`password_wo`): the provider
sends it when `passwordVersion` changes and never stores or re-sends it otherwise. So after the first
deployment `vault write <mount>/rotate-root/<name>` can change it to a value only Vault knows (README,
"Vault: database credentials"), and a later change of the connection (a new role) does not overwrite it.
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints`, which cannot evaluate string annotations once the module has been dropped
# from `sys.modules` (as the offline runner does between stacks); see components/aws/foundation.py.
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_vault as vault

from components.vault.paths import database_role_name
from config.models import CloudSecret, VaultDatabase

PLUGIN = "postgresql-database-plugin"
"""Vault's built-in PostgreSQL plugin (Vault docs, "PostgreSQL database secrets engine")."""


def creation_statements(grant_role: str) -> list[str]:
    """How Vault creates a user: login, its password, an expiry, and membership of one group role.

    `{{name}}`, `{{password}}` and `{{expiration}}` are Vault's templates (PostgreSQL plugin docs).
    """
    return [
        "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' INHERIT;",
        f'GRANT "{grant_role}" TO "{{{{name}}}}";',
    ]


def revocation_statements(grant_role: str) -> list[str]:
    """How Vault removes a user at lease end (objects it owns are the group role's, not its own)."""
    return [
        f'REVOKE "{grant_role}" FROM "{{{{name}}}}";',
        'DROP ROLE IF EXISTS "{{name}}";',
    ]


@dataclass(frozen=True, kw_only=True)
class VaultDatabaseEngineArgs:
    cluster_name: str
    """The stack's cluster: names the roles."""
    mount: str
    """Path of the database engine (`vault.databaseMount`)."""
    databases: Sequence[VaultDatabase]
    """The connections (`vault.databases`)."""
    passwords: Mapping[str, pulumi.Input[str]]
    """Secret config key -> its value (a Pulumi secret), for each connection's `passwordKey`."""
    entries: Sequence[CloudSecret]
    """The catalogue secrets naming a database: one role each."""


def check_engine_args(args: VaultDatabaseEngineArgs) -> list[str]:
    """Why these arguments cannot make the engine (empty when they can); pure, tested without mocks."""
    problems = []
    known = {d.name for d in args.databases}
    for entry in args.entries:
        if entry.database not in known:
            problems.append(f"secret {entry.name!r} names database {entry.database!r}, which is not declared")
    for database in args.databases:
        if database.password_key not in args.passwords:
            problems.append(f"database {database.name!r}: no value for config key {database.password_key!r}")
    return problems


class VaultDatabaseEngine(pulumi.ComponentResource):
    """The database engine mount, one connection per database, one role per catalogue secret."""

    creds_paths: dict[str, str]
    """Catalogue name -> where its credentials are read (`<mount>/creds/<role>`)."""
    default_ttls: dict[str, int]
    """Catalogue name -> lifetime of its credentials, in seconds."""
    ready: list[pulumi.Resource]
    """The roles: a reader waits for them."""

    def __init__(
        self, name: str, args: VaultDatabaseEngineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_engine_args(args)
        if problems:
            raise ValueError("; ".join(problems))
        super().__init__("secrets-platform:vault_database:VaultDatabaseEngine", name, None, opts)
        mount = vault.Mount(
            f"{name}-mount",
            path=args.mount,
            type="database",
            description=f"Database credentials of cluster {args.cluster_name} (secrets-platform)",
            opts=pulumi.ResourceOptions(parent=self, protect=True),
        )
        by_database = {d.name: d for d in args.databases}
        self.creds_paths = {}
        self.default_ttls = {}
        self.ready = []
        for database in args.databases:
            entries = [e for e in args.entries if e.database == database.name]
            connection = vault.database.SecretBackendConnection(
                f"{name}-{database.name}",
                backend=mount.path,
                name=database.name,
                plugin_name=PLUGIN,
                allowed_roles=[database_role_name(args.cluster_name, e.name) for e in entries],
                verify_connection=True,
                postgresql={
                    "connection_url": database.connection_url,
                    "username": database.username,
                    "password_wo": pulumi.Output.secret(args.passwords[database.password_key]),
                    "password_wo_version": database.password_version,
                    "password_authentication": "scram-sha-256",
                },
                opts=pulumi.ResourceOptions(parent=mount, additional_secret_outputs=["postgresql"]),
            )
            for entry in entries:
                role = vault.database.SecretBackendRole(
                    f"{name}-{entry.name}",
                    backend=mount.path,
                    name=database_role_name(args.cluster_name, entry.name),
                    db_name=connection.name,
                    creation_statements=creation_statements(database.grant_role),
                    revocation_statements=revocation_statements(database.grant_role),
                    default_ttl=database.default_ttl_seconds,
                    max_ttl=database.max_ttl_seconds,
                    opts=pulumi.ResourceOptions(parent=connection),
                )
                self.creds_paths[entry.name] = (
                    f"{args.mount}/creds/{database_role_name(args.cluster_name, entry.name)}"
                )
                self.default_ttls[entry.name] = by_database[database.name].default_ttl_seconds
                self.ready.append(role)
        self.register_outputs({"creds_paths": self.creds_paths})
