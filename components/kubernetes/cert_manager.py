"""cert-manager, pinned, with the platform's issuers: an internal CA for TLS inside the cluster, and an
ACME issuer for the BFF's public certificate when the stack asks for one.

The internal CA is self-signed by cert-manager and lives in its namespace; a `ClusterIssuer` signs
from it. Every Certificate it issues carries the CA in `ca.crt`, which is how a client in another
namespace pins it without copying a Secret across namespaces (the BFF pins the CMS this way, and
ingress-nginx verifies the BFF this way).
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints` (see components/aws/foundation.py).
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.external_secrets.operator import ChartPin, pinned_release
from components.kubernetes.namespace import IsolatedNamespace, NamespaceArgs, network_policy
from config.models import AcmeConfig

CERT_MANAGER_CHART = ChartPin(
    repository="https://charts.jetstack.io", chart="cert-manager", version="v1.17.2"
)
"""cert-manager v1.17.2 (jetstack chart versions carry the `v`; cert-manager.io "Installing with
Helm"). `crds.enabled` replaces the deprecated `installCRDs`."""

NAMESPACE = "cert-manager"
SELF_SIGNED_ISSUER = "secrets-platform-selfsigned"
INTERNAL_CA_ISSUER = "secrets-platform-internal-ca"
INTERNAL_CA_SECRET = "secrets-platform-internal-ca"
ACME_ISSUER = "secrets-platform-acme"
WEBHOOK_PORT = 10250
"""cert-manager webhook's secure port (chart value `webhook.securePort`)."""
WEBHOOK_POD_LABELS = {"app.kubernetes.io/name": "webhook", "app.kubernetes.io/instance": "cert-manager"}
INGRESS_CLASS = "nginx"


def cert_manager_values() -> dict[str, Any]:
    """CRDs with the chart and kept on uninstall (so Certificates survive a release mistake)."""
    return {"crds": {"enabled": True, "keep": True}, "prometheus": {"enabled": False}}


def acme_issuer_spec(acme: AcmeConfig) -> dict[str, Any]:
    """A `ClusterIssuer` spec: ACME with HTTP-01 through the ingress-nginx class."""
    return {
        "acme": {
            "server": acme.server,
            "email": acme.email,
            "privateKeySecretRef": {"name": f"{ACME_ISSUER}-account"},
            "solvers": [{"http01": {"ingress": {"ingressClassName": INGRESS_CLASS}}}],
        }
    }


def _issuer(name: str, resource_name: str, spec: dict[str, Any], opts: pulumi.ResourceOptions) -> Any:
    return k8s.apiextensions.CustomResource(
        resource_name,
        api_version="cert-manager.io/v1",
        kind="ClusterIssuer",
        metadata={"name": name, "labels": {"app.kubernetes.io/managed-by": "secrets-platform"}},
        spec=spec,
        opts=opts,
    )


@dataclass(frozen=True, kw_only=True)
class CertManagerArgs:
    kubernetes_version: str
    """Cluster minor version, for the namespace's Pod Security Admission labels."""
    acme: AcmeConfig | None = None
    """An ACME issuer for public certificates; None: none is declared."""


class CertManager(pulumi.ComponentResource):
    """cert-manager and the platform's ClusterIssuers."""

    internal_issuer: pulumi.Output[str]
    """ClusterIssuer of the internal CA (TLS between the platform's pods)."""
    acme_issuer: pulumi.Output[str] | None
    """ClusterIssuer of the ACME CA, when the stack configures one."""
    release: k8s.helm.v3.Release
    """The release: Certificates `depends_on` it (CRDs and webhook)."""
    issuers: list[pulumi.Resource]
    """The ClusterIssuers, for Certificates to wait for."""

    def __init__(self, name: str, args: CertManagerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("secrets-platform:cert_manager:CertManager", name, None, opts)
        namespace = IsolatedNamespace(
            f"{name}-ns",
            NamespaceArgs(namespace=NAMESPACE, kubernetes_version=args.kubernetes_version),
            pulumi.ResourceOptions(parent=self),
        )
        owned = pulumi.ResourceOptions(parent=namespace.namespace)
        policies = [
            # The API server and the ACME CA (HTTPS); HTTP-01 self-checks reach the ingress on 80.
            network_policy(
                f"{name}-allow-egress",
                namespace.namespace_name,
                "allow-egress",
                {
                    "pod_selector": {},
                    "policy_types": ["Egress"],
                    "egress": [
                        {
                            "to": [{"ip_block": {"cidr": "0.0.0.0/0"}}],
                            "ports": [{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 80}],
                        }
                    ],
                },
                owned,
            ),
            # The API server calls the webhook from the control plane, which no selector can name.
            network_policy(
                f"{name}-allow-webhook",
                namespace.namespace_name,
                "allow-webhook-ingress",
                {
                    "pod_selector": {"match_labels": WEBHOOK_POD_LABELS},
                    "policy_types": ["Ingress"],
                    "ingress": [{"ports": [{"protocol": "TCP", "port": WEBHOOK_PORT}]}],
                },
                owned,
            ),
        ]
        release = pinned_release(
            f"{name}-release",
            CERT_MANAGER_CHART,
            "cert-manager",
            namespace,
            cert_manager_values(),
            policies,
            self,
        )
        after = pulumi.ResourceOptions(parent=self, depends_on=[release])
        self_signed = _issuer(SELF_SIGNED_ISSUER, f"{name}-selfsigned", {"selfSigned": {}}, after)
        ca = k8s.apiextensions.CustomResource(
            f"{name}-internal-ca",
            api_version="cert-manager.io/v1",
            kind="Certificate",
            metadata={"name": INTERNAL_CA_SECRET, "namespace": namespace.namespace_name},
            spec={
                "isCA": True,
                "commonName": "secrets-platform internal CA",
                "secretName": INTERNAL_CA_SECRET,
                "duration": "43800h",
                "renewBefore": "8760h",
                "privateKey": {"algorithm": "ECDSA", "size": 256},
                "issuerRef": {
                    "name": SELF_SIGNED_ISSUER,
                    "kind": "ClusterIssuer",
                    "group": "cert-manager.io",
                },
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self_signed]),
        )
        # A CA ClusterIssuer reads its Secret from cert-manager's own namespace (cluster resource namespace).
        internal = _issuer(
            INTERNAL_CA_ISSUER,
            f"{name}-internal-issuer",
            {"ca": {"secretName": INTERNAL_CA_SECRET}},
            pulumi.ResourceOptions(parent=self, depends_on=[ca]),
        )
        self.issuers = [internal]
        self.acme_issuer = None
        if args.acme is not None:
            acme = _issuer(ACME_ISSUER, f"{name}-acme-issuer", acme_issuer_spec(args.acme), after)
            self.issuers.append(acme)
            self.acme_issuer = pulumi.Output.from_input(ACME_ISSUER)
        self.internal_issuer = pulumi.Output.from_input(INTERNAL_CA_ISSUER)
        self.release = release
        self.register_outputs({"internal_issuer": self.internal_issuer, "acme_issuer": self.acme_issuer})
