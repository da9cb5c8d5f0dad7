"""The BFF's certificates from cert-manager: its serving certificate (internal CA), the edge's client
certificate towards it (internal CA; its `ca.crt` verifies the BFF), and, with `edge.acme`, the public
certificate of its hostname.

The serving certificate's Secret is what the BFF chart mounts to serve HTTPS, and its `ca.crt` is the
CA the BFF pins for the CMS (both are signed by the same internal CA).
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints` (see components/aws/foundation.py).
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.conventions import APP_LABEL, MANAGED_BY
from components.kubernetes.namespace import network_policy

SERVING_SECRET = "bff-internal-tls"
EDGE_CLIENT_SECRET = "bff-edge-tls"
PUBLIC_SECRET = "bff-public-tls"
ACME_SOLVER_PORT = 8089
"""Port of cert-manager's HTTP-01 solver pods (cert-manager `acmesolver` default)."""
ACME_SOLVER_LABELS = {"acme.cert-manager.io/http01-solver": "true"}


def certificate_spec(
    secret: str, issuer: str, dns_names: list[str], usages: list[str], duration: str = "2160h"
) -> dict[str, Any]:
    """A cert-manager `Certificate` spec (ECDSA P-256, key rotated on every renewal)."""
    return {
        "secretName": secret,
        "issuerRef": {"name": issuer, "kind": "ClusterIssuer", "group": "cert-manager.io"},
        "dnsNames": dns_names,
        "duration": duration,
        "renewBefore": "720h",
        "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
        "usages": usages,
    }


@dataclass(frozen=True, kw_only=True)
class BffCertificatesArgs:
    namespace: pulumi.Input[str]
    """The BFF Namespace's name output."""
    namespace_name: str
    """Its plain name."""
    service_name: str
    """The BFF Service's name (`bff.fullname`)."""
    hostname: str
    """Public DNS name of the BFF."""
    internal_issuer: str
    """ClusterIssuer of the internal CA."""
    acme_issuer: str | None = None
    """ClusterIssuer of the ACME CA; None: the public certificate is hand-set."""
    ingress_namespace: str = "ingress-nginx"
    """Namespace of the ingress controller (its pods reach the HTTP-01 solver)."""
    depends_on: Sequence[pulumi.Resource] = field(default_factory=list)
    """The issuers (and so cert-manager's CRDs)."""


class BffCertificates(pulumi.ComponentResource):
    """cert-manager Certificates of the BFF (serving, edge client, and public with ACME)."""

    serving_secret: pulumi.Output[str]
    """Secret of the BFF's serving certificate (`tls.crt`, `tls.key`, `ca.crt` of the internal CA)."""
    edge_client_secret: pulumi.Output[str]
    """Secret the ingress controller presents to the BFF and verifies it with (`ca.crt`)."""
    public_secret: pulumi.Output[str] | None
    """Secret of the public certificate issued by ACME (None when hand-set)."""

    def __init__(
        self, name: str, args: BffCertificatesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("secrets-platform:bff_certificates:BffCertificates", name, None, opts)
        after = pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on))
        meta = {"namespace": args.namespace, "labels": {**MANAGED_BY, APP_LABEL: "bff"}}
        service = f"{args.service_name}.{args.namespace_name}"
        certificates = {
            SERVING_SECRET: certificate_spec(
                SERVING_SECRET,
                args.internal_issuer,
                [args.service_name, service, f"{service}.svc", f"{service}.svc.cluster.local"],
                ["digital signature", "key encipherment", "server auth"],
            ),
            EDGE_CLIENT_SECRET: certificate_spec(
                EDGE_CLIENT_SECRET,
                args.internal_issuer,
                [f"ingress-nginx.{args.ingress_namespace}.svc.cluster.local"],
                ["digital signature", "key encipherment", "client auth"],
            ),
        }
        if args.acme_issuer is not None:
            certificates[PUBLIC_SECRET] = certificate_spec(
                PUBLIC_SECRET,
                args.acme_issuer,
                [args.hostname],
                ["digital signature", "key encipherment", "server auth"],
            )
        for secret, spec in certificates.items():
            k8s.apiextensions.CustomResource(
                f"{name}-{secret}",
                api_version="cert-manager.io/v1",
                kind="Certificate",
                metadata={"name": secret, **meta},
                spec=spec,
                opts=after,
            )
        self.public_secret = None
        if args.acme_issuer is not None:
            # HTTP-01: cert-manager's solver pods in this namespace answer the CA through the controller.
            network_policy(
                f"{name}-allow-acme-solver",
                args.namespace,
                "allow-acme-http01-solver",
                {
                    "pod_selector": {"match_labels": ACME_SOLVER_LABELS},
                    "policy_types": ["Ingress"],
                    "ingress": [
                        {
                            "from": [
                                {
                                    "namespace_selector": {
                                        "match_labels": {
                                            "kubernetes.io/metadata.name": args.ingress_namespace
                                        }
                                    }
                                }
                            ],
                            "ports": [{"protocol": "TCP", "port": ACME_SOLVER_PORT}],
                        }
                    ],
                },
                pulumi.ResourceOptions(parent=self),
            )
            self.public_secret = pulumi.Output.from_input(PUBLIC_SECRET)
        self.serving_secret = pulumi.Output.from_input(SERVING_SECRET)
        self.edge_client_secret = pulumi.Output.from_input(EDGE_CLIENT_SECRET)
        self.register_outputs(
            {
                "serving_secret": self.serving_secret,
                "edge_client_secret": self.edge_client_secret,
                "public_secret": self.public_secret,
            }
        )
