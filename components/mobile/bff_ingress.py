"""The BFF's public entry: a TLS-only Ingress, rate-limited and allow-listed at the edge, re-encrypting
to the pod.

TLS continues from the edge to the pod by re-encryption, not pass-through: the controller must see the
request to apply the per-client rate limit and the allow-list (pass-through hands it an opaque TLS
stream), and it then opens a new TLS connection to the BFF, verifying the BFF's certificate against the
platform's internal CA (`proxy-ssl-verify`, with the CA from `ca.crt` of the edge's own Certificate).

Declared by the platform rather than rendered inside the Helm release, so `pulumi preview
--policy-pack` (and the offline check) see it: a Helm v3 release renders its objects inside the
provider, where CrossGuard cannot inspect them. The chart's own Ingress is switched off.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.conventions import APP_LABEL, MANAGED_BY
from config.models import BffConfig

# ingress-nginx annotations (kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations)
RATE_LIMIT = "nginx.ingress.kubernetes.io/limit-rpm"
ALLOW_LIST = "nginx.ingress.kubernetes.io/whitelist-source-range"
BACKEND_PROTOCOL = "nginx.ingress.kubernetes.io/backend-protocol"
PROXY_SSL_SECRET = "nginx.ingress.kubernetes.io/proxy-ssl-secret"
PROXY_SSL_VERIFY = "nginx.ingress.kubernetes.io/proxy-ssl-verify"
PROXY_SSL_NAME = "nginx.ingress.kubernetes.io/proxy-ssl-name"
PROXY_SSL_SERVER_NAME = "nginx.ingress.kubernetes.io/proxy-ssl-server-name"

SERVICE_PORT_NAME = "https"
"""Name of the BFF Service's port: the BFF serves HTTPS itself."""


@dataclass(frozen=True, kw_only=True)
class BffIngressArgs:
    bff: BffConfig
    """The stack's BFF settings: hostname, allowed networks, rate limit."""
    namespace: pulumi.Input[str]
    """Namespace of the BFF release (the Namespace's output, so the Ingress waits for it)."""
    service_name: str
    """Service the chart renders for the release (`bff.fullname`)."""
    tls_secret_name: pulumi.Input[str]
    """Secret with `tls.crt` and `tls.key` of the public hostname (hand-set or issued by ACME)."""
    backend_ca_secret: str
    """Secret (in the BFF namespace) whose `ca.crt` verifies the BFF's certificate, and whose
    `tls.crt`/`tls.key` the controller presents to the BFF (`BffCertificates.edge_client_secret`)."""


def ingress_annotations(
    bff: BffConfig, service_name: str = "bff", backend_ca_secret: str = "bff-edge-tls"
) -> dict[str, str]:
    """Edge controls of the BFF: per-client rate limit, network allow-list, HTTPS only, and TLS again
    from the controller to the pod, with the pod's certificate verified."""
    return {
        RATE_LIMIT: str(bff.rate_limit_per_minute),
        ALLOW_LIST: ",".join(bff.allowed_cidrs),
        "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
        # 429 tells a well-behaved app to back off; ingress-nginx answers 503 by default.
        "nginx.ingress.kubernetes.io/limit-req-status-code": "429",
        # ingress-nginx annotations "Backend Protocol" and "Backend Certificate Authentication".
        BACKEND_PROTOCOL: "HTTPS",
        PROXY_SSL_SECRET: f"{bff.namespace}/{backend_ca_secret}",
        PROXY_SSL_VERIFY: "on",
        PROXY_SSL_NAME: f"{service_name}.{bff.namespace}.svc.cluster.local",
        PROXY_SSL_SERVER_NAME: "on",
    }


class BffIngress(pulumi.ComponentResource):
    """The Ingress of the BFF: TLS for its hostname, rate limit and IP allow-list annotations."""

    hostname: pulumi.Output[str]
    """Public DNS name served."""

    def __init__(self, name: str, args: BffIngressArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("secrets-platform:bff_ingress:BffIngress", name, None, opts)
        bff = args.bff
        k8s.networking.v1.Ingress(
            f"{name}-ingress",
            metadata={
                "name": args.service_name,
                "namespace": args.namespace,
                "labels": {APP_LABEL: "bff", **MANAGED_BY},
                "annotations": ingress_annotations(bff, args.service_name, args.backend_ca_secret),
            },
            spec={
                "ingress_class_name": "nginx",
                "tls": [{"hosts": [bff.hostname], "secret_name": args.tls_secret_name}],
                "rules": [
                    {
                        "host": bff.hostname,
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "path_type": "Prefix",
                                    "backend": {
                                        "service": {
                                            "name": args.service_name,
                                            "port": {"name": SERVICE_PORT_NAME},
                                        }
                                    },
                                }
                            ]
                        },
                    }
                ],
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.hostname = pulumi.Output.from_input(bff.hostname)
        self.register_outputs({"hostname": self.hostname})
