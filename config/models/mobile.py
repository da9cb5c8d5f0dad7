"""The mobile path: the apps, the BFF (the only way an app gets a secret), the CMS and the edge."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from config.models.base import Cidr, K8sName, Model, Namespace, RelativePath


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
