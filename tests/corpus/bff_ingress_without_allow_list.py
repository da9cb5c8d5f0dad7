"""The BFF ingress without an explicit client network allow-list."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-ingress-bff-source-range"}


def program() -> None:
    k8s.networking.v1.Ingress(
        "bff",
        metadata={
            "name": "bff",
            "namespace": "bff",
            "labels": {"app.kubernetes.io/name": "bff"},
            "annotations": {
                "nginx.ingress.kubernetes.io/limit-rpm": "600",
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
