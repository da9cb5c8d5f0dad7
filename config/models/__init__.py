"""What a stack may say: the one source of truth for `Pulumi.<stack>.yaml`.

Every key of the `secrets-platform:` namespace is a field of `StackConfig` (`stack.py`), built from the
models of each concern: the cloud (`cloud.py`), the cluster and its workloads and Helm releases
(`cluster.py`), the secret catalogue (`catalogue.py`), the mobile path (`mobile.py`) and Vault
(`vault.py`), on the shared rules of `base.py`. Defaults live here and nowhere else; the README's config
reference and the `config:` block of `Pulumi.yaml` are generated from these models (`secrets-platform
schema`). Field names are camelCase in YAML, as in every Pulumi project. Secret values never appear in
these models: a literal secret names a config key set with `pulumi config set --secret`, which the
program reads as a Pulumi secret.
"""

from config.models.base import (
    HELM_RELEASE_NAME_MAX,
    PLATFORM_NAMESPACES,
    PROJECT,
    RESERVED_NAMESPACES,
    Cidr,
    ConfigKey,
    K8sName,
    Model,
    Namespace,
    RelativePath,
    ReleaseName,
    RotationDays,
    SecretKey,
)
from config.models.catalogue import (
    CloudSecret,
    FileSecret,
    GeneratedSecret,
    LiteralSecret,
    SecretEntry,
    _SecretBase,
)
from config.models.cloud import (
    AlertingConfig,
    AwsConfig,
    AzureConfig,
)
from config.models.cluster import (
    ClusterConfig,
    HelmRelease,
    HelmSecretOverride,
    OperatorsConfig,
    Workload,
)
from config.models.mobile import (
    DIRECTUS_IMAGE,
    AcmeConfig,
    BffConfig,
    CmsConfig,
    EdgeConfig,
    MobileApp,
    PinnedImage,
    WafConfig,
)
from config.models.stack import (
    AnySecret,
    StackConfig,
)
from config.models.vault import (
    VAULT_PATH_MAX,
    VAULT_RESERVED_MOUNTS,
    VaultAuditConfig,
    VaultConfig,
    VaultDatabase,
    VaultMount,
)

__all__ = [
    "DIRECTUS_IMAGE",
    "HELM_RELEASE_NAME_MAX",
    "PLATFORM_NAMESPACES",
    "PROJECT",
    "RESERVED_NAMESPACES",
    "VAULT_PATH_MAX",
    "VAULT_RESERVED_MOUNTS",
    "AcmeConfig",
    "AlertingConfig",
    "AnySecret",
    "AwsConfig",
    "AzureConfig",
    "BffConfig",
    "Cidr",
    "CloudSecret",
    "ClusterConfig",
    "CmsConfig",
    "ConfigKey",
    "EdgeConfig",
    "FileSecret",
    "GeneratedSecret",
    "HelmRelease",
    "HelmSecretOverride",
    "K8sName",
    "LiteralSecret",
    "MobileApp",
    "Model",
    "Namespace",
    "OperatorsConfig",
    "PinnedImage",
    "RelativePath",
    "ReleaseName",
    "RotationDays",
    "SecretEntry",
    "SecretKey",
    "StackConfig",
    "VaultAuditConfig",
    "VaultConfig",
    "VaultDatabase",
    "VaultMount",
    "WafConfig",
    "Workload",
    "_SecretBase",
]
