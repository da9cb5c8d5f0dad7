"""The BFF ingress forwards to the pod in plain HTTP: the mobile path without TLS inside the cluster."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-ingress-bff-backend-tls"}


def program() -> None:
    k8s.networking.v1.Ingress(
        "bff",
        metadata={
            "name": "bff",
            "namespace": "bff",
            "labels": {"app.kubernetes.io/name": "bff"},
            "annotations": {
                "nginx.ingress.kubernetes.io/limit-rpm": "600",
                "nginx.ingress.kubernetes.io/whitelist-source-range": "0.0.0.0/0",
                "nginx.ingress.kubernetes.io/backend-protocol": "HTTP",
            },
        },
        spec={
            "ingress_class_name": "nginx",
            "tls": [{"hosts": ["bff.example.com"], "secret_name": "bff-tls-v1"}],
            "rules": [
                {
                    "host": "bff.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "path_type": "Prefix",
                                "backend": {"service": {"name": "bff", "port": {"number": 8080}}},
                            }
                        ]
                    },
                }
            ],
        },
    )
