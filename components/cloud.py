"""The one small interface between the platform and a cloud.

Every backend offers the same parts, so `platform.py` reads the same for AWS and Azure and never
asks which cloud it is on:

- `foundation()`: the cluster, its Kubernetes provider and the customer-managed keys;
- `secret_store()`: where `source: cloud` secrets live and rotate, and how External Secrets reads them;
- `workload_identity()`: per workload, a cloud identity that may read exactly its store secrets,
  usable only from one ServiceAccount of one namespace;
- `audit()`: who read which secret, and alerts on denied access and on unexpected readers;
- `secret_delivery()`: the component that holds the three above for one stack (its type string is
  the backend's own, as it is part of every child's URN);
- `database()`: the CMS's managed PostgreSQL (RDS or Flexible Server), encrypted with the store key,
  private, TLS only, with its credentials as a Kubernetes Secret in the CMS namespace;
- `mobile_alerts()`: alerts on the BFF's and the CMS's logs (401/403, 429 surges, failed CMS logins),
  to the same target as the secrets audit (it is given the backend's own audit).

A backend is a plain object that turns the stack config into each component's narrow arguments; the
components themselves never see the whole stack.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pulumi
import pulumi_kubernetes as k8s

from config.models import CloudSecret, StackConfig, Workload


class Foundation(Protocol):
    """What the rest of the platform needs from a cloud's cluster."""

    kubernetes_provider: k8s.Provider
    """Provider for the cluster, built from the cluster's outputs (its kubeconfig is a secret)."""
    cluster_name: pulumi.Output[str]
    """Name of the managed cluster."""
    secrets_key_id: pulumi.Output[str]
    """Customer-managed key that envelope-encrypts the cluster's Secrets (ARN or Key Vault key ID)."""
    store_key_id: pulumi.Output[str]
    """Customer-managed key of the secret store and the audit logs."""


class SecretStore(Protocol):
    """A cloud store holding `source: cloud` secrets, as External Secrets reads it."""

    remote_keys: Mapping[str, pulumi.Output[str]]
    """Catalogue name -> the key External Secrets reads the secret by (an ARN, a Key Vault secret name)."""
    store_suffix: str
    """Suffix of the per-workload SecretStore names (`<workload>-<suffix>`), naming the store's kind."""
    service_readers: Sequence[pulumi.Output[str]]
    """Identities of the store's own machinery (a rotation function) that read secrets by design."""

    def provider(self, service_account: pulumi.Input[str]) -> dict[str, Any]:
        """The `spec.provider` of a SecretStore that reads this store as `service_account`."""
        ...

    # Optional: `synced_secret(name, entry, sync_store, identity, operator, opts)` returning a component
    # with a `secret_name` output, for entries the store delivers its own way (Vault's dynamic database
    # credentials); without it every entry is a `SyncedSecret` of `remote_keys[entry.name]`.


class WorkloadIdentity(Protocol):
    """A cloud identity bound to one ServiceAccount, allowed to read exactly one workload's secrets."""

    service_account_name: pulumi.Output[str]
    """The ServiceAccount External Secrets requests tokens for."""
    namespace: pulumi.Output[str]
    """Its namespace (the workload's)."""
    principal: pulumi.Output[str]
    """The identity as the audit logs name it (an IAM role ARN, an Entra principal ID)."""


class Audit(Protocol):
    """Audit of secret and key access, with alerts. Other alerts of the stack (the mobile path's, the
    Vault audit's) go where these go: each backend reads what it needs of its own audit (AWS the SNS
    topic; Azure also the Log Analytics workspace the logs land in)."""

    alarm_topic: pulumi.Output[str]
    """Where alerts go (an SNS topic ARN, an action group ID); other alerts of the stack route there."""


class Database(Protocol):
    """The CMS's managed PostgreSQL, as the CMS connects to it."""

    host: pulumi.Output[str]
    """Private DNS name of the server."""
    port: int
    """TCP port (5432)."""
    database_name: str
    """Database the CMS uses."""
    username: pulumi.Output[str]
    """Login of the CMS (not a secret)."""
    credentials_secret: pulumi.Output[str]
    """Kubernetes Secret in the CMS namespace whose key `password` is the login's current password."""
    egress_cidrs: pulumi.Output[list[str]]
    """Networks the server's private address is in: the CMS pods' only egress besides DNS."""
    rotates: bool
    """The cloud rotates the password in place (the Secret changes under the same name)."""
    readers: Sequence[pulumi.Input[str]]
    """Identities that read the password from the cloud store (expected readers of the audit)."""

    def deliver(self, operator: Any) -> None:
        """Declare what brings the password into `credentials_secret` (External Secrets on AWS)."""
        ...


@dataclass(frozen=True, kw_only=True)
class DatabaseRequest:
    """What the CMS's database is for."""

    namespace: pulumi.Input[str]
    """The CMS Namespace's name output: the credentials Secret goes there, and waits for it."""
    password: pulumi.Output[str] | None = None
    """The administrator password from the catalogue, where the cloud does not manage it (Azure)."""
    password_secret_name: pulumi.Input[str] | None = None
    """The catalogue Secret holding that password (key `password`), in the CMS namespace."""
    operator: Any = None
    """The External Secrets Operator, where the cloud keeps the password in its store (AWS)."""


@dataclass(frozen=True, kw_only=True)
class IdentityRequest:
    """What a workload identity is for."""

    workload: Workload
    """The workload whose store secrets are synced; the ServiceAccount goes in its namespace."""
    entries: Sequence[CloudSecret]
    """The store secrets it may read, and no other."""
    namespace: pulumi.Input[str]
    """The Namespace's name output (its value is the workload's namespace), so the identity waits for it."""


class CloudBackend(Protocol):
    """The parts every cloud offers (see the module docstring)."""

    def foundation(self, name: str, opts: pulumi.ResourceOptions) -> Foundation: ...

    def secret_store(
        self, name: str, foundation: Any, entries: Sequence[CloudSecret], opts: pulumi.ResourceOptions
    ) -> SecretStore: ...

    def workload_identity(
        self,
        name: str,
        foundation: Any,
        store: Any,
        request: IdentityRequest,
        opts: pulumi.ResourceOptions,
    ) -> WorkloadIdentity: ...

    def audit(
        self,
        name: str,
        foundation: Any,
        expected_readers: Sequence[pulumi.Input[str]],
        opts: pulumi.ResourceOptions,
    ) -> Audit: ...

    def secret_delivery(self, name: str, args: Any, opts: pulumi.ResourceOptions) -> Any: ...

    def database(
        self, name: str, foundation: Any, request: DatabaseRequest, opts: pulumi.ResourceOptions
    ) -> Database: ...

    def web_acl(self, name: str, opts: pulumi.ResourceOptions) -> Any: ...

    def mobile_alerts(self, name: str, foundation: Any, audit: Any, opts: pulumi.ResourceOptions) -> Any: ...


def cloud_backend(stack: StackConfig, project_dir: Path) -> CloudBackend:
    """The backend of the stack's cloud."""
    if stack.cloud == "aws":
        from components.aws.backend import AwsBackend

        return AwsBackend(stack, project_dir)
    from components.azure.backend import AzureBackend

    return AzureBackend(stack, project_dir)
