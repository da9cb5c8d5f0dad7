"""The cluster, its operators, the backend workloads and the Helm releases installed on it."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from config.models.base import Cidr, K8sName, Model, Namespace, RelativePath, ReleaseName, SecretKey
from config.patterns import SUPPORTED_KUBERNETES_MINOR


class ClusterConfig(Model):
    """The Kubernetes cluster (EKS or AKS) whose Secrets are envelope-encrypted with a cloud key."""

    name: K8sName
    """Cluster name; children are named from it."""
    kubernetes_version: Annotated[str, Field(pattern=SUPPORTED_KUBERNETES_MINOR)] = "1.31"
    """Kubernetes minor version, such as `1.31` (objects are validated against its schema)."""
    node_count: Annotated[int, Field(ge=1, le=100)] = 2
    """Nodes in the managed node group."""
    node_size: str | None = None
    """Instance type or VM size; defaults to `t3.large` on AWS and `Standard_D4s_v5` on Azure."""
    public_access_cidrs: list[Cidr] = []
    """Networks allowed to reach the public API endpoint; empty means a private endpoint only."""
    log_retention_days: Annotated[int, Field(ge=1, le=3653)] = 365
    """Days control-plane and secret-access audit logs are kept (CloudWatch log groups; on Azure the Log
    Analytics workspace, which allows 30 to 730)."""


class Workload(Model):
    """A Deployment of the backend: it gets a namespace, a ServiceAccount and the Secrets granted."""

    name: K8sName
    """Deployment and ServiceAccount name."""
    namespace: Namespace | None = None
    """Namespace; defaults to the workload's name."""
    image: Annotated[str, Field(min_length=1)]
    """Container image, pinned by tag or digest."""
    replicas: Annotated[int, Field(ge=1, le=50)] = 2
    """Pod replicas."""
    port: Annotated[int, Field(ge=1, le=65535)] = 8080
    """Container port served to other workloads."""
    needs_kubernetes_api: bool = False
    """Mount a ServiceAccount token (off unless the workload calls the Kubernetes API)."""
    allow_from: list[K8sName] = []
    """Workloads allowed to connect to this one (everything else is denied)."""
    allow_egress_cidrs: list[Cidr] = []
    """Networks outside the cluster this workload may reach (DNS is always allowed)."""

    @property
    def namespace_name(self) -> str:
        return self.namespace or self.name


class OperatorsConfig(Model):
    """The infrastructure operations team: the only people who create, update and rotate secrets."""

    group: Annotated[str, Field(min_length=1, max_length=128)]
    """Kubernetes group (from the cluster's authenticator) of the operations team."""


class HelmSecretOverride(Model):
    """One `--set <path>=<secret>` override, taken from the catalogue and never shown."""

    path: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")]
    """Dotted key path in the chart's values, such as `secret.oauthClientSecret`."""
    secret: K8sName
    """Catalogue secret holding the value."""
    key: SecretKey
    """Data key of that secret."""


class HelmRelease(Model):
    """A Helm release: `helm install name chart -f values... --set secret.path=...`."""

    name: ReleaseName
    """Release name (at most 53 characters, as Helm accepts)."""
    chart: str
    """A chart directory of this repository (`charts/bff`) or a chart name in `repository`."""
    version: str | None = None
    """Chart version; required for a chart from a repository."""
    repository: str | None = None
    """Chart repository URL (https)."""
    namespace: Namespace
    """Namespace of the release."""
    values_files: list[RelativePath] = []
    """Values files merged in order, like repeated `-f`."""
    values: dict[str, object] = {}
    """Plain values merged after the files; never put a secret here."""
    secret_values: list[HelmSecretOverride] = []
    """Secret overrides, merged last and delivered without showing their values."""

    @model_validator(mode="after")
    def _pinned(self) -> HelmRelease:
        if self.repository is not None:
            if not self.repository.startswith("https://"):
                raise ValueError("repository must be an https:// URL")
            if not self.version:
                raise ValueError("a chart from a repository needs a pinned version")
        return self
