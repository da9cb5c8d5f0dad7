"""The CMS published outside the cluster by a LoadBalancer Service."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-cms-exposure"}


def program() -> None:
    k8s.core.v1.Service(
        "cms-public",
        metadata={"name": "cms-public", "namespace": "cms"},
        spec={
            "type": "LoadBalancer",
            "selector": {"app.kubernetes.io/name": "cms"},
            "ports": [{"name": "https", "port": 443, "target_port": 8443}],
        },
    )
