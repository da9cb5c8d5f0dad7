"""The CMS (Directus) where mobile secrets are kept, reachable only inside the cluster, over TLS.

Directus serves plain HTTP (its server calls `http.createServer`), so it listens on the pod's loopback
only and a TLS proxy sidecar (nginx, unprivileged) serves it on 8443 with a certificate from the
platform's internal CA (cert-manager). Clients pin that CA: the BFF, through `ca.crt` of a Certificate
from the same issuer in its own namespace.

Nothing exposes it: the Service is `ClusterIP`, no Ingress names it (the policy pack refuses one), and
the namespace's NetworkPolicies admit only the BFF's pods and the CMS writer Jobs, and let the CMS
reach only its database. Operators open the admin UI with `kubectl port-forward` (README), which goes
through the API server and the kubelet, never through a Service or the network.

Its secrets are files, never variables (Directus reads `<VAR>_FILE`, "Configuration: Environment
variable files"): the token signing secret, the first administrator's password and the database
password. Audit: Directus records every change in `directus_activity` and `directus_revisions`;
`RETENTION_ENABLED=false` keeps them (Directus docs, "Logging: Log Retention").
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints` (see components/aws/foundation.py).
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.conventions import APP_LABEL, MANAGED_BY, image_pull_policy, restricted_container
from components.kubernetes.external_secrets.sync import reloader_annotations
from components.kubernetes.namespace import network_policy

CMS_APP = "cms"
"""`app.kubernetes.io/name` of the CMS pods."""
WRITER_APP = "cms-writer"
"""`app.kubernetes.io/name` the CMS writer Jobs' pods must carry to be admitted (NetworkPolicy)."""
CMS_PORT = 8443
"""HTTPS port of the TLS proxy; the CMS pods' only open port."""
SERVICE_PORT = 443
DIRECTUS_PORT = 8055
"""Directus's own port, bound to 127.0.0.1 only."""

DIRECTUS_UID = 1000
"""The `node` user of the Directus image. checkov's CKV_K8S_40 (UID >= 10000) is accepted here, not
fixed: the image owns its files as `node` and Directus documents no other user (its Dockerfile sets
`USER node`; directus/directus#5877 moved the image from root to `node`)."""
PROXY_UID = 101
"""The `nginx` user of nginxinc/nginx-unprivileged. CKV_K8S_40 is accepted for it too: its maintainers
declined a UID >= 10000 and document another UID only by rebuilding the image with `--build-arg UID`
(nginxinc/docker-nginx-unprivileged#149 and #240), pointing to user namespaces instead."""

TLS_PROXY_IMAGE = (
    "nginxinc/nginx-unprivileged:1.27-alpine"
    "@sha256:65e3e85dbaed8ba248841d9d58a899b6197106c23cb0ff1a132b7bfe0547e4c0"
)
"""nginx, unprivileged (UID 101, listens above 1024), by digest as widely pinned in public repos."""

SECRETS_DIR = "/run/secrets/cms"
DATABASE_CA_DIR = "/etc/cms-database-ca"
TLS_DIR = "/etc/cms-tls"

CERTIFICATE_DURATION = "2160h"
CERTIFICATE_RENEW_BEFORE = "720h"
"""90-day certificates renewed 30 days ahead (cert-manager `Certificate` spec)."""

PROXY_CONFIG = f"""\
worker_processes 1;
pid /tmp/nginx.pid;
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
  server_tokens off;
  client_body_temp_path /tmp/client_temp;
  proxy_temp_path /tmp/proxy_temp;
  fastcgi_temp_path /tmp/fastcgi_temp;
  uwsgi_temp_path /tmp/uwsgi_temp;
  scgi_temp_path /tmp/scgi_temp;
  log_format json escape=json '{{"type":"access","time":"$time_iso8601","method":"$request_method",'
    '"uri":"$uri","status":$status,"client_ip":"$remote_addr"}}';
  access_log /dev/stdout json;
  server {{
    listen {CMS_PORT} ssl;
    ssl_certificate {TLS_DIR}/tls.crt;
    ssl_certificate_key {TLS_DIR}/tls.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    client_max_body_size 1m;
    location / {{
      proxy_pass http://127.0.0.1:{DIRECTUS_PORT};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto https;
    }}
  }}
}}
"""
"""TLS in front of Directus; the access log is one JSON line a request (no query string: `$uri`,
so a token passed as `?access_token=` is never logged)."""


@dataclass(frozen=True, kw_only=True)
class CmsDatabase:
    """Where the CMS's database is and which Secret holds its password."""

    host: pulumi.Input[str]
    port: int
    database_name: str
    username: pulumi.Input[str]
    credentials_secret: pulumi.Input[str]
    """Secret in the CMS namespace with key `password`."""
    egress_cidrs: pulumi.Input[Sequence[str]]
    """The server's networks: the CMS pods may reach them on `port` only."""
    rotates: bool
    """The password changes in place (Reloader then rolls the CMS)."""
    ca_bundle: str | None = None
    """PEM CA bundle to verify the server with; None: the image's public roots."""


@dataclass(frozen=True, kw_only=True)
class CmsArgs:
    namespace: pulumi.Input[str]
    """The CMS Namespace's name output."""
    namespace_name: str
    """Its plain name, for DNS names and the certificate."""
    image: str
    """Directus image (pinned)."""
    replicas: int
    """Pod replicas."""
    collection: str
    """Collection of the mobile secrets."""
    admin_email: str
    """First administrator's e-mail."""
    signing_secret: pulumi.Input[str]
    """Versioned Secret with key `secret` (Directus `SECRET`)."""
    admin_secret: pulumi.Input[str]
    """Versioned Secret with key `password` (first administrator)."""
    read_token_secret: str
    """Versioned Secret (in the BFF's namespace) with the read-only token, for the BFF's wiring."""
    writer_token_secret: pulumi.Input[str]
    """Versioned Secret (in the CMS namespace) with the writer token, for the writer Jobs."""
    database: CmsDatabase
    """The managed PostgreSQL."""
    tls_issuer: str
    """ClusterIssuer of the internal CA that signs the CMS's certificate."""
    depends_on: Sequence[pulumi.Resource] = field(default_factory=list)
    """What must exist first (cert-manager's release, whose CRDs the Certificate needs)."""


def check_cms_args(args: CmsArgs) -> list[str]:
    """Why these arguments cannot make the CMS (empty when they can); pure, tested without mocks."""
    problems = []
    if "@sha256:" not in args.image and ":" not in args.image.rpartition("/")[2]:
        problems.append(f"image {args.image!r} is pinned neither by digest nor by tag")
    if not 1 <= args.replicas <= 10:
        problems.append(f"replicas {args.replicas} is outside 1 to 10")
    if args.database.port != 5432:
        problems.append(f"database port {args.database.port} is not PostgreSQL's 5432")
    return problems


def service_host(namespace: str) -> str:
    """The CMS Service's cluster DNS name."""
    return f"{CMS_APP}.{namespace}.svc.cluster.local"


def cms_url(namespace: str) -> str:
    """The CMS's in-cluster HTTPS URL, as the BFF and the writer Jobs call it."""
    return f"https://{service_host(namespace)}"


def directus_env(args: CmsArgs) -> list[dict[str, Any]]:
    """Directus's environment: settings and `_FILE` paths, never a secret value.

    Each variable is from Directus's configuration docs ("General", "Database", "Security & Limits",
    "Logging"); `_FILE` loads a variable from a file ("Environment variable files").
    """
    db = args.database
    env: dict[str, pulumi.Input[str]] = {
        "HOST": "127.0.0.1",
        "PORT": str(DIRECTUS_PORT),
        "PUBLIC_URL": cms_url(args.namespace_name),
        "DB_CLIENT": "pg",
        "DB_HOST": db.host,
        "DB_PORT": str(db.port),
        "DB_DATABASE": db.database_name,
        "DB_USER": db.username,
        "DB_PASSWORD_FILE": f"{SECRETS_DIR}/db-password",
        # knex/pg `ssl` options (`DB_SSL__*`): verify the server's certificate.
        "DB_SSL__REJECT_UNAUTHORIZED": "true",
        "SECRET_FILE": f"{SECRETS_DIR}/secret",
        "ADMIN_EMAIL": args.admin_email,
        "ADMIN_PASSWORD_FILE": f"{SECRETS_DIR}/admin-password",
        "TELEMETRY": "false",
        "WEBSOCKETS_ENABLED": "false",
        # Audit: activity and revisions are never pruned.
        "RETENTION_ENABLED": "false",
        # One JSON line per log record, with the request log: failed logins are `POST /auth/login`
        # answered 401 (the CMS alert reads these lines).
        "LOG_LEVEL": "info",
        "LOG_STYLE": "raw",
        # Behind the proxy on loopback: the client address is the proxy's X-Forwarded-For.
        "IP_TRUST_PROXY": "true",
    }
    if db.ca_bundle is not None:
        env["DB_SSL__CA_FILE"] = f"{DATABASE_CA_DIR}/ca.crt"
    return [{"name": name, "value": value} for name, value in env.items()]


def _secret_sources(args: CmsArgs) -> list[dict[str, Any]]:
    def source(secret: pulumi.Input[str], key: str, path: str) -> dict[str, Any]:
        return {"secret": {"name": secret, "items": [{"key": key, "path": path}], "optional": False}}

    return [
        source(args.signing_secret, "secret", "secret"),
        source(args.admin_secret, "password", "admin-password"),
        source(args.database.credentials_secret, "password", "db-password"),
    ]


def _container_security(uid: int) -> dict[str, Any]:
    return {**restricted_container(), "runAsUser": uid, "runAsGroup": uid}


def pod_spec(args: CmsArgs, service_account: pulumi.Input[str]) -> dict[str, Any]:
    """The CMS pod: Directus on loopback and the TLS proxy, both `restricted`, read-only roots."""
    directus_mounts = [
        {"name": "tmp", "mountPath": "/tmp"},
        {"name": "uploads", "mountPath": "/directus/uploads"},
        {"name": "pm2", "mountPath": "/home/node/.pm2"},
        {"name": "secrets", "mountPath": SECRETS_DIR, "readOnly": True},
    ]
    volumes: list[dict[str, Any]] = [
        {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
        {"name": "uploads", "emptyDir": {"sizeLimit": "64Mi"}},
        {"name": "pm2", "emptyDir": {"sizeLimit": "16Mi"}},
        {"name": "proxy-tmp", "emptyDir": {"sizeLimit": "32Mi"}},
        # 0440 with fsGroup: each container reads through the pod's supplemental group.
        {"name": "secrets", "projected": {"defaultMode": 0o440, "sources": _secret_sources(args)}},
        {"name": "tls", "secret": {"secretName": f"{CMS_APP}-tls", "defaultMode": 0o440}},
        {"name": "proxy-config", "configMap": {"name": f"{CMS_APP}-tls-proxy"}},
    ]
    if args.database.ca_bundle is not None:
        directus_mounts.append({"name": "database-ca", "mountPath": DATABASE_CA_DIR, "readOnly": True})
        volumes.append({"name": "database-ca", "configMap": {"name": f"{CMS_APP}-database-ca"}})
    # Directus listens on loopback only, so the kubelet reaches it through the proxy's port (probes
    # address the pod's IP, shared by its containers): a hung Directus fails its own liveness probe
    # and is restarted, while the proxy's liveness checks only that the proxy accepts connections
    # (a Directus outage must not restart the proxy). Both are ready only when Directus answers.
    ping = {"httpGet": {"path": "/server/ping", "port": CMS_PORT, "scheme": "HTTPS"}}
    ready = {**ping, "initialDelaySeconds": 10, "periodSeconds": 10}
    return {
        "serviceAccountName": service_account,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": {
            "runAsNonRoot": True,
            "fsGroup": DIRECTUS_UID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [
            {
                "name": "directus",
                "image": args.image,
                "imagePullPolicy": image_pull_policy(args.image),
                "env": directus_env(args),
                "volumeMounts": directus_mounts,
                "securityContext": _container_security(DIRECTUS_UID),
                "resources": {
                    "requests": {"cpu": "250m", "memory": "512Mi"},
                    "limits": {"cpu": "1", "memory": "1Gi"},
                },
                "readinessProbe": ready,
                # Directus bootstraps its schema before serving: a minute of grace, then five misses.
                "livenessProbe": {
                    **ping,
                    "initialDelaySeconds": 60,
                    "periodSeconds": 20,
                    "failureThreshold": 5,
                },
            },
            {
                "name": "tls-proxy",
                "image": TLS_PROXY_IMAGE,
                "imagePullPolicy": image_pull_policy(TLS_PROXY_IMAGE),
                "args": ["nginx", "-c", "/etc/nginx/custom/nginx.conf", "-g", "daemon off;"],
                "ports": [{"name": "https", "containerPort": CMS_PORT, "protocol": "TCP"}],
                "volumeMounts": [
                    {"name": "proxy-tmp", "mountPath": "/tmp"},
                    {"name": "tls", "mountPath": TLS_DIR, "readOnly": True},
                    {"name": "proxy-config", "mountPath": "/etc/nginx/custom", "readOnly": True},
                ],
                "securityContext": _container_security(PROXY_UID),
                "resources": {
                    "requests": {"cpu": "25m", "memory": "32Mi"},
                    "limits": {"cpu": "250m", "memory": "64Mi"},
                },
                "readinessProbe": ready,
                "livenessProbe": {
                    "tcpSocket": {"port": "https"},
                    "initialDelaySeconds": 5,
                    "periodSeconds": 10,
                },
            },
        ],
        "volumes": volumes,
    }


def certificate_spec(namespace: str, issuer: str) -> dict[str, Any]:
    """cert-manager `Certificate` of the CMS Service's names, from the internal CA."""
    return {
        "secretName": f"{CMS_APP}-tls",
        "issuerRef": {"name": issuer, "kind": "ClusterIssuer", "group": "cert-manager.io"},
        "dnsNames": [
            CMS_APP,
            f"{CMS_APP}.{namespace}",
            f"{CMS_APP}.{namespace}.svc",
            service_host(namespace),
        ],
        "duration": CERTIFICATE_DURATION,
        "renewBefore": CERTIFICATE_RENEW_BEFORE,
        "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
        "usages": ["digital signature", "key encipherment", "server auth"],
    }


class Cms(pulumi.ComponentResource):
    """Directus behind a TLS proxy, `ClusterIP` only, reaching nothing but its database.

    Its outputs are what the BFF release and the writer Jobs are wired with.
    """

    url: pulumi.Output[str]
    """In-cluster HTTPS URL of the CMS's REST API (`https://cms.<namespace>.svc.cluster.local`)."""
    tls_issuer: pulumi.Output[str]
    """ClusterIssuer of the internal CA: a Certificate from it carries the CA to pin in `ca.crt`."""
    collection: pulumi.Output[str]
    """Collection of the mobile secrets."""
    read_token_secret: pulumi.Output[str]
    """Secret (BFF namespace) with the read-only token, key `token`: the BFF's secret override."""
    writer_token_secret: pulumi.Output[str]
    """Secret (CMS namespace) with the writer token, key `token`: mounted by the writer Jobs only."""
    writer_pod_labels: Mapping[str, str]
    """Labels the writer Jobs' pods must carry (in the CMS namespace) for the CMS to admit them."""
    service_name: pulumi.Output[str]
    """Name of the CMS Service."""
    ca_secret: pulumi.Output[str]
    """Secret (CMS namespace) of the CMS's own certificate, whose `ca.crt` (the internal CA) verifies the
    CMS: the writer and provisioning Jobs pin it."""

    def __init__(self, name: str, args: CmsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        problems = check_cms_args(args)
        if problems:
            raise ValueError("CMS: " + "; ".join(problems))
        super().__init__("secrets-platform:cms:Cms", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        labels = {APP_LABEL: CMS_APP}
        meta = {"namespace": args.namespace, "labels": {**MANAGED_BY, **labels}}
        account = k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata={"name": CMS_APP, **meta},
            automount_service_account_token=False,
            opts=child,
        )
        proxy_config = k8s.core.v1.ConfigMap(
            f"{name}-tls-proxy",
            metadata={"name": f"{CMS_APP}-tls-proxy", **meta},
            data={"nginx.conf": PROXY_CONFIG},
            opts=child,
        )
        waits: list[pulumi.Resource] = [proxy_config]
        if args.database.ca_bundle is not None:
            waits.append(
                k8s.core.v1.ConfigMap(
                    f"{name}-database-ca",
                    metadata={"name": f"{CMS_APP}-database-ca", **meta},
                    data={"ca.crt": args.database.ca_bundle},
                    opts=child,
                )
            )
        certificate = k8s.apiextensions.CustomResource(
            f"{name}-certificate",
            api_version="cert-manager.io/v1",
            kind="Certificate",
            metadata={"name": f"{CMS_APP}-tls", **meta},
            spec=certificate_spec(args.namespace_name, args.tls_issuer),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
        )
        waits.append(certificate)
        database_policy = network_policy(
            f"{name}-allow-database",
            args.namespace,
            f"{CMS_APP}-allow-database",
            {
                "pod_selector": {"match_labels": labels},
                "policy_types": ["Egress"],
                "egress": [
                    {
                        "to": pulumi.Output.from_input(args.database.egress_cidrs).apply(
                            lambda cidrs: [{"ip_block": {"cidr": c}} for c in cidrs]
                        ),
                        "ports": [{"protocol": "TCP", "port": args.database.port}],
                    }
                ],
            },
            child,
        )
        waits.append(database_policy)
        reload = [f"{CMS_APP}-tls"]
        if args.database.rotates:
            reload.append(args.database.credentials_secret)
        deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata={
                "name": CMS_APP,
                **meta,
                # Reloader rolls the CMS when its certificate renews or its rotated password changes.
                "annotations": pulumi.Output.all(*reload).apply(reloader_annotations),
            },
            spec={
                "replicas": args.replicas,
                "selector": {"matchLabels": labels},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
                "template": {"metadata": {"labels": labels}, "spec": pod_spec(args, account.metadata.name)},
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=waits),
        )
        service = k8s.core.v1.Service(
            f"{name}-service",
            metadata={"name": CMS_APP, **meta},
            spec={
                # Reachable inside the cluster only: never LoadBalancer or NodePort (policy pack).
                "type": "ClusterIP",
                "selector": labels,
                "ports": [{"name": "https", "port": SERVICE_PORT, "targetPort": "https", "protocol": "TCP"}],
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[deployment]),
        )
        self.url = pulumi.Output.from_input(cms_url(args.namespace_name))
        self.tls_issuer = pulumi.Output.from_input(args.tls_issuer)
        self.collection = pulumi.Output.from_input(args.collection)
        self.read_token_secret = pulumi.Output.from_input(args.read_token_secret)
        self.writer_token_secret = pulumi.Output.from_input(args.writer_token_secret)
        self.writer_pod_labels = {APP_LABEL: WRITER_APP}
        self.service_name = service.metadata.name
        self.ca_secret = pulumi.Output.from_input(f"{CMS_APP}-tls")
        self.register_outputs(
            {
                "url": self.url,
                "tls_issuer": self.tls_issuer,
                "collection": self.collection,
                "read_token_secret": self.read_token_secret,
                "writer_token_secret": self.writer_token_secret,
                "writer_pod_labels": self.writer_pod_labels,
                "service_name": self.service_name,
                "ca_secret": self.ca_secret,
            }
        )
