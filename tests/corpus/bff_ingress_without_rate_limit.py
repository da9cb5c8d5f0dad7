"""The BFF ingress without a per-client rate limit."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-ingress-bff-rate-limit"}


def program() -> None:
    k8s.networking.v1.Ingress(
        "bff",
        metadata={
            "name": "bff",
            "namespace": "bff",
            "labels": {"app.kubernetes.io/name": "bff"},
            "annotations": {
                "nginx.ingress.kubernetes.io/whitelist-source-range": "0.0.0.0/0",
                "nginx.ingress.kubernetes.io/backend-protocol": "HTTPS",
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
                                "backend": {"service": {"name": "bff", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ],
        },
    )
