"""What a stack may say: the one source of truth for `Pulumi.<stack>.yaml`.

Every key of the `secrets-platform:` namespace is a field of `StackConfig`. Defaults live here and
nowhere else; the README's config reference and the `config:` block of `Pulumi.yaml` are generated
from these models (`secrets-platform schema`). Field names are camelCase in YAML, as in every
Pulumi project. Secret values never appear in these models: a literal secret names a config key
set with `pulumi config set --secret`, which the program reads as a Pulumi secret.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic.alias_generators import to_camel

from config.patterns import SUPPORTED_KUBERNETES_MINOR, is_dns_label

PROJECT = "secrets-platform"

# Kubernetes object names: RFC 1123 labels (namespaces, Services, Secrets referenced by pods).
# Keys of a Secret's data map: `[-._a-zA-Z0-9]+` (k8s.io/apimachinery IsConfigMapKey).
_SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
# Pulumi config key names: letters, digits, `-`, `_` (no namespace: it is always ours).
_CONFIG_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def _dns_label(value: str) -> str:
    if not is_dns_label(value):
        raise ValueError(
            "expected a Kubernetes name: at most 63 characters of lower-case letters, digits and "
            "'-', starting and ending with a letter or digit"
        )
    return value


def _secret_key(value: str) -> str:
    if len(value) > 253 or not _SECRET_KEY.match(value):
        raise ValueError("expected a Secret data key: letters, digits, '-', '_' and '.'")
    return value


def _config_key(value: str) -> str:
    if not _CONFIG_KEY.match(value):
        raise ValueError(
            "expected the name of a config key of this project (letters, digits, '-', '_'), "
            "as given to `pulumi config set --secret <key>`"
        )
    return value


def _cidr(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValueError("expected an IPv4 or IPv6 network in CIDR form, such as 203.0.113.0/24") from None
    return str(network)


def _relative_path(value: str) -> str:
    if not value or value.startswith("/") or ".." in value.split("/"):
        raise ValueError("expected a path relative to the project directory, without '..'")
    return value


K8sName = Annotated[str, AfterValidator(_dns_label)]

RESERVED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
"""Namespaces Kubernetes keeps for itself (kubernetes.io/docs/concepts/overview/working-with-objects/
namespaces: "initial namespaces"): the control plane's objects and the API server's own live there."""

PLATFORM_NAMESPACES = ("external-secrets", "ingress-nginx", "cert-manager")
"""Namespaces the platform's own controllers take (External Secrets and Reloader, the ingress
controller, cert-manager): their RBAC and NetworkPolicies assume nothing else runs there."""


def _app_namespace(value: str) -> str:
    if value in RESERVED_NAMESPACES or value in PLATFORM_NAMESPACES:
        raise ValueError(
            "expected a namespace of its own: not one Kubernetes keeps for itself "
            f"({', '.join(RESERVED_NAMESPACES)}) nor one the platform's controllers take "
            f"({', '.join(PLATFORM_NAMESPACES)})"
        )
    return value


Namespace = Annotated[str, AfterValidator(_dns_label), AfterValidator(_app_namespace)]
"""A namespace for the stack's workloads, Secrets, BFF, CMS or Helm releases."""

HELM_RELEASE_NAME_MAX = 53
"""Helm refuses longer release names (helm/helm pkg/action/install.go: `releaseNameMaxLen`), since the
release name prefixes Kubernetes names that must stay within 63 characters."""


def _release_name(value: str) -> str:
    if len(value) > HELM_RELEASE_NAME_MAX:
        raise ValueError(f"a release name of at most {HELM_RELEASE_NAME_MAX} characters, as Helm accepts")
    return value


ReleaseName = Annotated[str, AfterValidator(_dns_label), AfterValidator(_release_name)]
SecretKey = Annotated[str, AfterValidator(_secret_key)]
ConfigKey = Annotated[str, AfterValidator(_config_key)]
Cidr = Annotated[str, AfterValidator(_cidr)]
RelativePath = Annotated[str, AfterValidator(_relative_path)]
RotationDays = Annotated[int, Field(ge=1, le=365)]


class Model(BaseModel):
    """Strict base: unknown keys are errors, values are immutable once validated."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        use_attribute_docstrings=True,
    )


# --- cloud ---------------------------------------------------------------------------------


class AwsConfig(Model):
    """Settings used when `cloud: aws`. The region is the provider's own `aws:region`."""

    account_id: Annotated[str, Field(pattern=r"^\d{12}$")]
    """The 12-digit AWS account the stack deploys into (key policies name its root)."""
    operator_role_arn: Annotated[str, Field(pattern=r"^arn:aws:iam::\d{12}:role/[\w+=,.@/-]+$")]
    """IAM role of the infrastructure operations team: EKS cluster admin and KMS key admin."""
    subnet_ids: Annotated[
        list[Annotated[str, Field(pattern=r"^subnet-[0-9a-f]{8,17}$")]], Field(min_length=2)
    ]
    """Private subnets (in at least two availability zones) for the cluster and its nodes."""
    kms_deletion_window_days: Annotated[int, Field(ge=7, le=30)] = 30
    """Days a scheduled KMS key deletion waits before it happens (AWS allows 7 to 30)."""
    secret_recovery_window_days: Annotated[int, Field(ge=7, le=30)] = 30
    """Days a deleted Secrets Manager secret stays recoverable (AWS allows 7 to 30)."""


class AzureConfig(Model):
    """Settings used when `cloud: azure`. The region is the provider's `azure-native:location`."""

    tenant_id: Annotated[str, Field(pattern=r"^[0-9a-fA-F-]{36}$")]
    """Entra ID tenant that owns the Key Vault and the cluster identities."""
    resource_group_name: Annotated[str, Field(min_length=1, max_length=90, pattern=r"^[-\w._()]+$")]
    """Resource group that holds every resource of the stack."""
    key_vault_name: Annotated[str, Field(pattern=r"^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$")]
    """Globally unique Key Vault name (3 to 24 characters)."""
    operator_group_object_id: Annotated[str, Field(pattern=r"^[0-9a-fA-F-]{36}$")]
    """Entra ID group of the infrastructure operations team (cluster and vault administrators)."""
    soft_delete_retention_days: Annotated[int, Field(ge=7, le=90)] = 90
    """Days a deleted vault or secret stays recoverable (Azure allows 7 to 90)."""
    operator_group_name: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    """Display name of `operatorGroupObjectId`, required with the CMS: the CMS database's Microsoft Entra
    administrator is that group, and Flexible Server names the group's PostgreSQL role (the user name its
    members log in with) after it."""
    key_vault_allowed_cidrs: list[Cidr] = []
    """Public IPv4 networks (operators' offices, a self-hosted runner) let through the vault's firewall,
    which denies everything else; the cluster and the rotation function reach it from the stack's VNet."""
    network_cidr: Cidr = "10.240.0.0/16"
    """Address space of the stack's VNet (/16 to /24): nodes get its first half; the API server, the
    rotation function and the CMS database small subnets of the second half."""


# --- cluster and workloads -------------------------------------------------------------------


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


# --- the secret catalogue --------------------------------------------------------------------


class _SecretBase(Model):
    name: K8sName
    """Catalogue name; the Kubernetes Secret is `<name>-v<version>`."""
    description: str = ""
    """What the secret is for, shown in access reports."""
    namespace: Namespace | None = None
    """Namespace of the Kubernetes Secret; defaults to the namespace of its readers (the CMS's for a
    mobile secret)."""
    mobile: bool = False
    """Delivered to mobile apps: written into the CMS (one writer Job per version) and grantable in
    `apps:`. Only a mobile secret may be granted to an app; it lives in the CMS namespace."""
    readers: list[K8sName] = []
    """Workloads allowed to read the secret (RBAC `get` on exactly this Secret)."""
    mount: Literal["volume", "env"] = "volume"
    """How readers consume it: a read-only volume (default) or `secretKeyRef` env variables."""
    version: Annotated[int, Field(ge=1)] = 1
    """Bump to rotate: a new Secret is created, consumers roll to it, then the old one is deleted."""
    rotation_days: RotationDays = 90
    """Maximum age of a value before it must be rotated (1 to 365 days)."""


class LiteralSecret(_SecretBase):
    """Values set by operators with `pulumi config set --secret <configKey> <value>`."""

    source: Literal["literal"]
    keys: Annotated[dict[SecretKey, ConfigKey], Field(min_length=1)]
    """Secret data key -> name of the secret config key that holds its value."""


class FileSecret(_SecretBase):
    """Values read from files at deploy time, like `kubectl create secret generic --from-file`."""

    source: Literal["file"]
    keys: Annotated[dict[SecretKey, RelativePath], Field(min_length=1)]
    """Secret data key -> file path relative to the project directory."""


class GeneratedSecret(_SecretBase):
    """Random values generated by the platform (pulumi-random); `version` is the rotation trigger."""

    source: Literal["generated"]
    keys: Annotated[list[SecretKey], Field(min_length=1)]
    """Secret data keys; each gets its own random value."""
    length: Annotated[int, Field(ge=16, le=256)] = 32
    """Characters per generated value."""
    special: bool = False
    """Include punctuation (off by default: many clients mishandle it in URLs)."""


class CloudSecret(_SecretBase):
    """A value kept in the cloud store (Secrets Manager, Key Vault, Vault) and synced into pods."""

    source: Literal["cloud"]
    keys: Annotated[list[SecretKey], Field(min_length=1)]
    """Properties of the remote secret to sync into the Kubernetes Secret."""
    store: Literal["default", "hashicorp-vault"] = "default"
    """`default` is the stack's cloud store; `hashicorp-vault` is the Vault of `vault:` (KV v2)."""
    generate: bool = True
    """The store generates the value and rotates it: Secrets Manager with its rotation Lambda, Key Vault
    with its rotation function, Vault with a new KV version at each `version` bump. Off: operators
    write it."""
    database: K8sName | None = None
    """Vault only: a `vault.databases` entry whose dynamic credentials (`username`, `password`) this
    secret delivers instead of a KV value."""


SecretEntry = Annotated[
    LiteralSecret | FileSecret | GeneratedSecret | CloudSecret,
    Field(discriminator="source"),
]


# --- mobile apps, Helm, CMS, BFF, alerting ---------------------------------------------------


class MobileApp(Model):
    """A mobile app: it gets secrets only through the BFF, and only those listed here."""

    name: K8sName
    """OAuth client name of the app."""
    platform: Literal["ios", "android"]
    """Store platform, shown in access reports."""
    secrets: list[K8sName] = []
    """Catalogue secrets this app may fetch from the BFF."""
    rate_limit_per_minute: Annotated[int, Field(ge=1, le=10_000)] = 60
    """Requests a minute one client may make to the BFF."""


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


DIRECTUS_IMAGE = (
    "directus/directus:12.3.1@sha256:8978edf633ae28aa31464bb71c55300c94d8bc771ff3727b5fac485173283869"
)
"""Directus 12.3.1 by digest (the 12.x REST API the BFF and its writer were tested against; the digest
as public deployments pin it, found with the code search: verify with `crane digest`)."""

_IMAGE = r"^[a-z0-9]([-a-z0-9._/:]*[a-z0-9])?(:[\w][\w.-]{0,127})?(@sha256:[0-9a-f]{64})?$"


def _pinned_image(value: str) -> str:
    reference, _, digest = value.partition("@")
    tag = reference.rpartition("/")[2].partition(":")[2]
    if not digest and (not tag or tag == "latest"):
        raise ValueError("expected an image pinned by digest (`@sha256:...`) or by a version tag")
    return value


PinnedImage = Annotated[str, Field(pattern=_IMAGE), AfterValidator(_pinned_image)]


class CmsConfig(Model):
    """The CMS where mobile-app secrets are kept (Directus), and its managed PostgreSQL database."""

    enabled: bool = True
    """Deploy the CMS and its database; a stack without it may grant no secret to an app."""
    namespace: Namespace = "cms"
    """Namespace of the CMS, of its writer Jobs and of the mobile secrets."""
    image: PinnedImage = DIRECTUS_IMAGE
    """Directus image, pinned by digest (or, outside production, a version tag)."""
    replicas: Annotated[int, Field(ge=1, le=10)] = 1
    """Pod replicas."""
    collection: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")] = "mobile_secrets"
    """Directus collection holding the mobile secrets (primary key `name`; `version`, `data`)."""
    admin_email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    """E-mail of the first Directus administrator, created at bootstrap (required with the CMS)."""
    admin_secret: K8sName | None = None
    """Catalogue secret with key `password`: the first administrator's password."""
    signing_secret: K8sName | None = None
    """Catalogue secret with key `secret`: Directus's `SECRET`, which signs its access tokens (Directus
    11 and later have no separate project `KEY`)."""
    read_token_secret: K8sName | None = None
    """Catalogue secret with key `token`: the static token of the CMS user that may only read the
    collection (the BFF's). It lives in the BFF's namespace."""
    writer_token_secret: K8sName | None = None
    """Catalogue secret with key `token`: the static token of the CMS user that may only write the
    collection (the writer Jobs'). It lives in the CMS namespace and never reaches the BFF."""
    database_secret: K8sName | None = None
    """Azure only: catalogue secret with key `password`, the database administrator's password (on AWS,
    RDS keeps the master password in Secrets Manager and rotates it)."""
    database_ca_file: RelativePath | None = None
    """CA bundle the CMS verifies its database's certificate with (the RDS regional bundle on AWS;
    Azure's server certificates chain to public roots, which are used when this is unset)."""
    database_size: str | None = None
    """Instance class or SKU; defaults to `db.t4g.medium` on AWS and `Standard_B2ms` on Azure."""
    database_storage_gb: Annotated[int, Field(ge=20, le=16384)] = 32
    """Allocated storage in GiB."""
    database_backup_days: Annotated[int, Field(ge=7, le=35)] = 7
    """Days of automated backups (point-in-time recovery window)."""


class BffConfig(Model):
    """The backend for frontend: the only way a mobile app gets a secret."""

    namespace: Namespace = "bff"
    """Namespace of the BFF."""
    image: PinnedImage = "ghcr.io/example/bff:1.0.0"
    """The BFF image built from `bff/Dockerfile` and published to your registry (README, "Publishing the
    BFF image"), pinned by digest in production. The default is a placeholder of the chart's
    `appVersion`, which no registry serves. The CMS's provisioning and writer Jobs run it too."""
    replicas: Annotated[int, Field(ge=2, le=50)] = 2
    """Pod replicas (at least 2, so a disruption budget can hold)."""
    hostname: Annotated[str, Field(pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$")]
    """Public DNS name served over TLS."""
    tls_secret: K8sName | None = None
    """Catalogue secret holding `tls.crt` and `tls.key` for the ingress (hand-set); leave unset when
    `edge.acme` issues the certificate."""
    oauth_issuer: Annotated[str, Field(pattern=r"^https://")]
    """OAuth 2.0 issuer whose JWTs the BFF accepts."""
    oauth_audience: Annotated[str, Field(min_length=1)]
    """Expected `aud` of access tokens."""
    allowed_cidrs: list[Cidr] = ["0.0.0.0/0"]
    """Networks allowed to reach the BFF ingress."""
    issuer_cidrs: list[Cidr] = []
    """Networks of the OAuth issuer (its discovery document and JWKS): the BFF's only egress outside
    the cluster, on 443. Empty: the BFF reaches no issuer and refuses every token."""
    rate_limit_per_minute: Annotated[int, Field(ge=1, le=100_000)] = 600
    """Requests a minute per client IP at the ingress."""
    cache_ttl_seconds: Annotated[int, Field(ge=0, le=3600)] = 300
    """Seconds a fetched secret stays in the BFF's encrypted cache."""
    cache_max_entries: Annotated[int, Field(ge=1, le=100_000)] = 1000
    """Entries before the cache evicts the least recently used."""


class AcmeConfig(Model):
    """An ACME certificate issuer (cert-manager `ClusterIssuer`, HTTP-01 through the ingress controller)."""

    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    """Account e-mail the CA sends expiry notices to."""
    server: Annotated[str, Field(pattern=r"^https://")] = "https://acme-v02.api.letsencrypt.org/directory"
    """ACME directory URL (Let's Encrypt production by default; its staging URL for tests)."""


class WafConfig(Model):
    """An AWS WAFv2 web ACL in front of the BFF: a rate-based rule and an IP set."""

    load_balancer_arn: Annotated[
        str, Field(pattern=r"^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer/app/.+$")
    ]
    """The Application Load Balancer in front of the ingress controller (WAF attaches to ALBs, not to
    the NLB a LoadBalancer Service gets)."""


class EdgeConfig(Model):
    """The public edge of the BFF: ingress-nginx and cert-manager as pinned Helm releases."""

    acme: AcmeConfig | None = None
    """Issue the BFF's public certificate with ACME; unset: the hand-set `bff.tlsSecret`."""
    waf: WafConfig | None = None
    """AWS only: a WAFv2 web ACL (rate limit and allow-list of the BFF) on the given load balancer."""
    controller_replicas: Annotated[int, Field(ge=1, le=20)] = 2
    """Replicas of the ingress controller."""


class AlertingConfig(Model):
    """Where alerts on unauthorized access go."""

    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    """Address subscribed to the alert topic or action group."""
    denied_access_threshold: Annotated[int, Field(ge=1, le=1000)] = 1
    """Denied secret or key accesses in 5 minutes that raise an alarm."""
    bff_auth_failure_threshold: Annotated[int, Field(ge=1, le=100_000)] = 20
    """BFF answers 401 or 403 in 5 minutes that raise an alarm (token guessing, a revoked app)."""
    bff_rate_limited_threshold: Annotated[int, Field(ge=1, le=1_000_000)] = 100
    """BFF answers 429 in 5 minutes that raise an alarm (a surge or a scraper)."""
    cms_login_failure_threshold: Annotated[int, Field(ge=1, le=10_000)] = 3
    """Failed logins to the CMS in 5 minutes that raise an alarm."""


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


# --- the whole stack -------------------------------------------------------------------------


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
