"""The BFF's public entry: a TLS-only Ingress, rate-limited and allow-listed at the edge.

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


@dataclass(frozen=True, kw_only=True)
class BffIngressArgs:
    bff: BffConfig
    """The stack's BFF settings: hostname, allowed networks, rate limit."""
    namespace: pulumi.Input[str]
    """Namespace of the BFF release (the Namespace's output, so the Ingress waits for it)."""
    service_name: str
    """Service the chart renders for the release (`bff.fullname`)."""
    tls_secret_name: pulumi.Input[str]
    """Versioned Secret with `tls.crt` and `tls.key` (the TLS Secret's output)."""


def ingress_annotations(bff: BffConfig) -> dict[str, str]:
    """Edge controls of the BFF: per-client rate limit, network allow-list, HTTPS only."""
    return {
        RATE_LIMIT: str(bff.rate_limit_per_minute),
        ALLOW_LIST: ",".join(bff.allowed_cidrs),
        "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
        # 429 tells a well-behaved app to back off; ingress-nginx answers 503 by default.
        "nginx.ingress.kubernetes.io/limit-req-status-code": "429",
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
                "annotations": ingress_annotations(bff),
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
                                        "service": {"name": args.service_name, "port": {"name": "http"}}
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
