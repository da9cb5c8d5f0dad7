"""ingress-nginx, pinned: the edge the BFF's Ingress annotations (rate limit, allow-list, TLS to the
pod) are written for.

The controller's Service keeps the client's address (`externalTrafficPolicy: Local`), so the
allow-list and the per-IP rate limit see the real client rather than a node. Snippet annotations stay
off (the CVE-2025-1974 family of configuration injections starts there).
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints` (see components/aws/foundation.py).
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.conventions import NAMESPACE_NAME_LABEL, restricted_container
from components.kubernetes.external_secrets.operator import ChartPin, pinned_release
from components.kubernetes.namespace import IsolatedNamespace, NamespaceArgs, network_policy

INGRESS_NGINX_CHART = ChartPin(
    repository="https://kubernetes.github.io/ingress-nginx", chart="ingress-nginx", version="4.12.1"
)
"""ingress-nginx chart 4.12.1 (controller v1.12.1, the fix of CVE-2025-1974; chart CHANGELOG)."""

NAMESPACE = "ingress-nginx"
INGRESS_CLASS = "nginx"
CONTROLLER_POD_LABELS = {
    "app.kubernetes.io/name": "ingress-nginx",
    "app.kubernetes.io/component": "controller",
}
"""Labels of the controller pods (chart `_helpers.tpl`), which NetworkPolicies of backends admit."""
WEBHOOK_PORT = 8443
"""The controller's validating admission webhook (chart value `controller.admissionWebhooks.port`)."""
CONTROLLER_UID = 101
"""The `www-data` user of the controller image."""


@dataclass(frozen=True, kw_only=True)
class Backend:
    """Pods the controller forwards to, on one port."""

    namespace: str
    pod_labels: dict[str, str]
    port: int


@dataclass(frozen=True, kw_only=True)
class IngressControllerArgs:
    kubernetes_version: str
    """Cluster minor version, for the namespace's Pod Security Admission labels."""
    replicas: int
    """Controller replicas."""
    backends: Sequence[Backend]
    """Where the controller may forward to (its egress allow-list)."""


def controller_values(replicas: int) -> dict[str, Any]:
    """Values of the chart: `restricted` pods (NET_BIND_SERVICE only), no snippets, client IP kept."""
    return {
        "controller": {
            "replicaCount": replicas,
            "ingressClassResource": {"name": INGRESS_CLASS, "default": False},
            "ingressClass": INGRESS_CLASS,
            "allowSnippetAnnotations": False,
            "image": {"allowPrivilegeEscalation": False, "runAsNonRoot": True, "runAsUser": CONTROLLER_UID},
            "containerSecurityContext": {
                **restricted_container(),
                "readOnlyRootFilesystem": False,  # nginx writes its config and temp files
                "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]},
                "runAsUser": CONTROLLER_UID,
            },
            "podSecurityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "service": {"type": "LoadBalancer", "externalTrafficPolicy": "Local"},
            "config": {"use-forwarded-headers": "false", "ssl-protocols": "TLSv1.2 TLSv1.3"},
            "metrics": {"enabled": False},
        }
    }


class IngressController(pulumi.ComponentResource):
    """ingress-nginx in a `restricted`, default-deny namespace that may only reach its backends."""

    ingress_class: pulumi.Output[str]
    """IngressClass of the controller."""
    namespace_name: pulumi.Output[str]
    """Namespace of the controller."""
    release: k8s.helm.v3.Release
    """The release."""

    def __init__(
        self, name: str, args: IngressControllerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("secrets-platform:ingress_controller:IngressController", name, None, opts)
        namespace = IsolatedNamespace(
            f"{name}-ns",
            NamespaceArgs(namespace=NAMESPACE, kubernetes_version=args.kubernetes_version),
            pulumi.ResourceOptions(parent=self),
        )
        owned = pulumi.ResourceOptions(parent=namespace.namespace)
        selector = {"match_labels": CONTROLLER_POD_LABELS}
        policies = [
            network_policy(
                f"{name}-allow-clients",
                namespace.namespace_name,
                "allow-clients",
                {
                    "pod_selector": selector,
                    "policy_types": ["Ingress"],
                    # Clients from anywhere; the allow-list is per Ingress (annotations) and WAF.
                    "ingress": [
                        {
                            "ports": [
                                {"protocol": "TCP", "port": 80},
                                {"protocol": "TCP", "port": 443},
                                {"protocol": "TCP", "port": WEBHOOK_PORT},
                            ]
                        }
                    ],
                },
                owned,
            ),
            network_policy(
                f"{name}-allow-egress",
                namespace.namespace_name,
                "allow-egress",
                {
                    "pod_selector": selector,
                    "policy_types": ["Egress"],
                    "egress": [
                        *[
                            {
                                "to": [
                                    {
                                        "namespace_selector": {
                                            "match_labels": {NAMESPACE_NAME_LABEL: b.namespace}
                                        },
                                        "pod_selector": {"match_labels": b.pod_labels},
                                    }
                                ],
                                "ports": [{"protocol": "TCP", "port": b.port}],
                            }
                            for b in args.backends
                        ],
                        # The Kubernetes API (Ingresses, Services, EndpointSlices).
                        {
                            "to": [{"ip_block": {"cidr": "0.0.0.0/0"}}],
                            "ports": [{"protocol": "TCP", "port": 443}],
                        },
                    ],
                },
                owned,
            ),
        ]
        release = pinned_release(
            f"{name}-release",
            INGRESS_NGINX_CHART,
            "ingress-nginx",
            namespace,
            controller_values(args.replicas),
            policies,
            self,
        )
        self.ingress_class = pulumi.Output.from_input(INGRESS_CLASS)
        self.namespace_name = namespace.namespace_name
        self.release = release
        self.register_outputs({"ingress_class": self.ingress_class, "namespace_name": self.namespace_name})
