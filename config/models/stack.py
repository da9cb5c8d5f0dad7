"""The whole stack: every key of the `secrets-platform:` namespace."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from config.models.base import Model
from config.models.catalogue import (
    CloudSecret,
    FileSecret,
    GeneratedSecret,
    LiteralSecret,
    SecretEntry,
    _SecretBase,
)
from config.models.cloud import AlertingConfig, AwsConfig, AzureConfig
from config.models.cluster import ClusterConfig, HelmRelease, OperatorsConfig, Workload
from config.models.mobile import BffConfig, CmsConfig, EdgeConfig, MobileApp
from config.models.vault import VaultConfig


class StackConfig(Model):
    """Everything a stack may say under the `secrets-platform:` namespace."""

    cloud: Literal["aws", "azure"]
    """Cloud the stack runs on; chooses EKS + KMS + Secrets Manager or AKS + Key Vault."""
    region: str = Field(exclude=True, default="")
    """Filled from `aws:region` or `azure-native:location`, never set under our namespace."""
    aws: AwsConfig | None = None
    """Required when `cloud: aws`."""
    azure: AzureConfig | None = None
    """Required when `cloud: azure`."""
    cluster: ClusterConfig
    """The Kubernetes cluster."""
    operators: OperatorsConfig
    """The infrastructure operations team."""
    workloads: list[Workload] = []
    """Backend workloads that read secrets."""
    secrets: list[SecretEntry] = []
    """The secret catalogue."""
    apps: list[MobileApp] = []
    """Mobile apps served by the BFF."""
    helm_releases: list[HelmRelease] = []
    """Helm releases with secret overrides."""
    cms: CmsConfig = CmsConfig()
    """The CMS."""
    bff: BffConfig
    """The BFF."""
    edge: EdgeConfig = EdgeConfig()
    """The ingress controller, certificates and (AWS) web ACL in front of the BFF."""
    alerting: AlertingConfig
    """Alert routing."""
    vault: VaultConfig | None = None
    """A HashiCorp Vault, when some secret uses `store: hashicorp-vault`."""

    @property
    def node_size(self) -> str:
        default = {"aws": "t3.large", "azure": "Standard_D4s_v5"}[self.cloud]
        return self.cluster.node_size or default

    def workload(self, name: str) -> Workload:
        return next(w for w in self.workloads if w.name == name)

    def secret(self, name: str) -> LiteralSecret | FileSecret | GeneratedSecret | CloudSecret:
        return next(s for s in self.secrets if s.name == name)

    def secret_namespace(self, entry: _SecretBase) -> str:
        """The namespace of a Secret: its own, the CMS's for a mobile secret, that of its first
        reader, or the BFF's."""
        if entry.namespace:
            return entry.namespace
        if entry.mobile:
            return self.cms.namespace
        if entry.readers:
            return self.workload(entry.readers[0]).namespace_name
        return self.bff.namespace


AnySecret = LiteralSecret | FileSecret | GeneratedSecret | CloudSecret
