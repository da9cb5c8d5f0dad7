"""An Ingress with an ingress-nginx configuration snippet: raw NGINX configuration in the controller,
which can read the controller's token and so every Secret of the cluster (CVE-2021-25742)."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-ingress-snippet-annotation"}


def program() -> None:
    k8s.networking.v1.Ingress(
        "status-page",
        metadata={
            "name": "status-page",
            "namespace": "payments",
            "annotations": {
                "nginx.ingress.kubernetes.io/configuration-snippet": 'more_set_headers "X-Status: ok";',
            },
        },
        spec={
            "ingress_class_name": "nginx",
            "tls": [{"hosts": ["status.example.com"], "secret_name": "status-tls"}],
            "rules": [
                {
                    "host": "status.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "path_type": "Prefix",
                                "backend": {"service": {"name": "status", "port": {"number": 8443}}},
                            }
                        ]
                    },
                }
            ],
        },
    )
