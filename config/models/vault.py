"""A HashiCorp Vault that `store: hashicorp-vault` secrets are kept in."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, model_validator

from config.models.base import ConfigKey, K8sName, Model

VAULT_RESERVED_MOUNTS = ("sys", "auth", "cubbyhole", "identity")
"""Paths Vault keeps for itself: no secrets engine can be mounted at or under them (Vault API docs,
`sys/mounts`; `auth/` holds auth methods, which have their own namespace)."""

# A Vault mount path: segments of letters, digits, `-`, `_`, `.` separated by `/`. Vault itself also
# accepts other characters, but they would have to be quoted in HCL policies and escaped in URLs.
_VAULT_PATH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)*$")
VAULT_PATH_MAX = 128


def _vault_mount(value: str) -> str:
    if len(value) > VAULT_PATH_MAX or not _VAULT_PATH.match(value):
        raise ValueError(
            "expected a Vault mount path: segments of letters, digits, '-', '_' and '.' separated by '/', "
            f"at most {VAULT_PATH_MAX} characters, without a leading or trailing '/'"
        )
    if value.split("/")[0].lower() in VAULT_RESERVED_MOUNTS:
        raise ValueError(f"a path outside the ones Vault reserves ({', '.join(VAULT_RESERVED_MOUNTS)})")
    return value


def _https_url_port_443(value: str) -> str:
    parsed = urlsplit(value)
    try:
        port = parsed.port
    except ValueError:
        port = -1
    if parsed.scheme != "https" or not parsed.hostname or parsed.path not in ("", "/") or parsed.query:
        raise ValueError("expected an https:// URL of the Vault server, such as https://vault.example.com")
    if port not in (None, 443):
        # components/kubernetes/external_secrets/operator.py: the operator's namespace may speak HTTPS
        # on 443 only, so a Vault on another port would never be reached.
        raise ValueError(
            "a Vault served on port 443: the External Secrets Operator may only reach HTTPS on 443 "
            "(put a load balancer or ingress on 443 in front of Vault's 8200)"
        )
    return value.rstrip("/")


VaultMount = Annotated[str, AfterValidator(_vault_mount)]


class VaultAuditConfig(Model):
    """The audit device the platform enables on the Vault (`sys/audit`)."""

    type: Literal["file", "socket"] = "file"
    """`file` writes JSON lines to a file of the Vault server; `socket` streams them to a collector."""
    path: VaultMount = "secrets-platform"
    """Path of the audit device in Vault (`sys/audit/<path>`)."""
    file_path: Annotated[str, Field(pattern=r"^/[^\s]*[^/\s]$")] = "/vault/audit/secrets-platform.log"
    """Absolute path of the log file on the Vault server (`type: file`)."""
    address: Annotated[str, Field(pattern=r"^[A-Za-z0-9.-]+:\d{1,5}$")] | None = None
    """`host:port` of the log collector (`type: socket`, required there)."""
    socket_type: Literal["tcp", "udp"] = "tcp"
    """Transport of the socket device (`type: socket`)."""

    @model_validator(mode="after")
    def _by_type(self) -> VaultAuditConfig:
        if self.type == "socket" and self.address is None:
            raise ValueError("an audit device of type socket needs an address (host:port)")
        if self.type == "file" and self.address is not None:
            raise ValueError("address is for type socket; a file device writes to filePath")
        return self


class VaultDatabase(Model):
    """A PostgreSQL database whose credentials Vault's database secrets engine issues on demand."""

    name: K8sName
    """Connection name in Vault; catalogue secrets name it with `database:`."""
    connection_url: Annotated[str, Field(pattern=r"^postgresql://\{\{username\}\}:\{\{password\}\}@[^\s]+$")]
    """`postgresql://{{username}}:{{password}}@host:5432/db?sslmode=verify-full`; Vault fills the
    placeholders with the admin user below."""
    username: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    """PostgreSQL user Vault connects as; it needs `CREATEROLE` and membership of `grantRole`."""
    password_key: ConfigKey
    """Secret config key holding that user's password (`pulumi config set --secret <key> <value>`)."""
    password_version: Annotated[int, Field(ge=1)] = 1
    """Bump to send a changed password to Vault: it is sent only then (write-only), so a password Vault
    rotated itself (`rotate-root`) is never overwritten."""
    grant_role: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    """PostgreSQL group role whose privileges each issued user inherits (and nothing else)."""
    default_ttl_seconds: Annotated[int, Field(ge=300, le=604_800)] = 3600
    """Lifetime of issued credentials; External Secrets renews them well before it ends."""
    max_ttl_seconds: Annotated[int, Field(ge=300, le=2_592_000)] = 86_400
    """Longest lifetime of issued credentials, renewals included."""

    @model_validator(mode="after")
    def _ttls(self) -> VaultDatabase:
        if self.max_ttl_seconds < self.default_ttl_seconds:
            raise ValueError("maxTtlSeconds must be at least defaultTtlSeconds")
        return self


class VaultConfig(Model):
    """A HashiCorp Vault (or OpenBao) that `store: hashicorp-vault` secrets are kept in.

    The deployer authenticates the Pulumi program with `VAULT_TOKEN` in the environment (or the
    Vault CLI's token helper); no token is ever read from config or kept in state.
    """

    address: Annotated[str, AfterValidator(_https_url_port_443)]
    """Vault address (TLS only, port 443), such as `https://vault.example.com`."""
    kv_mount: VaultMount = "secrets-platform"
    """Path of the KV v2 secrets engine the platform mounts; secrets are `<cluster>/<name>` in it."""
    auth_mount: VaultMount = "secrets-platform-jwt"
    """Path of the JWT auth method trusting the cluster's ServiceAccount token issuer."""
    jwt_audience: Annotated[str, Field(pattern=r"^[A-Za-z0-9:/._-]{1,128}$")] = "vault"
    """Audience of the ServiceAccount tokens External Secrets presents, and the only one accepted."""
    token_ttl_seconds: Annotated[int, Field(ge=60, le=86_400)] = 900
    """Lifetime of the Vault token a workload's sync identity gets at login (also its maximum)."""
    max_versions: Annotated[int, Field(ge=2, le=100)] = 3
    """Versions kept per secret; older ones are destroyed (at least 2: the previous value outlives
    a rotation while consumers move)."""
    version_grace_days: Annotated[int, Field(ge=1, le=365)] = 7
    """A version is deleted `rotationDays + versionGraceDays` after it was written."""
    audit: VaultAuditConfig = VaultAuditConfig()
    """The audit device."""
    database_mount: VaultMount = "secrets-platform-database"
    """Path of the database secrets engine (mounted only when `databases` is not empty)."""
    databases: list[VaultDatabase] = []
    """PostgreSQL databases whose credentials Vault issues dynamically (`database:` on a secret)."""

    @model_validator(mode="after")
    def _distinct_mounts(self) -> VaultConfig:
        if self.databases and self.database_mount == self.kv_mount:
            raise ValueError("databaseMount and kvMount must differ")
        return self
