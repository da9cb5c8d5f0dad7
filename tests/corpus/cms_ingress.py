"""An Ingress (with TLS) in front of the CMS admin UI."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-cms-exposure"}


def program() -> None:
    k8s.networking.v1.Ingress(
        "cms-admin",
        metadata={"name": "cms-admin", "namespace": "cms"},
        spec={
            "ingress_class_name": "nginx",
            "tls": [{"hosts": ["cms.example.com"], "secret_name": "cms-public-tls"}],
            "rules": [
                {
                    "host": "cms.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "path_type": "Prefix",
                                "backend": {"service": {"name": "cms", "port": {"number": 443}}},
                            }
                        ]
                    },
                }
            ],
        },
    )
