"""A readiness probe that sends a bearer token in an HTTP header, stored in the pod spec."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import container, deployment_spec

EXPECTED = {"kubernetes-container-env-plaintext-secret"}


def program() -> None:
    probe = {
        "http_get": {
            "path": "/ready",
            "port": 8080,
            "http_headers": [{"name": "Authorization", "value": "Bearer q8ZfK2mR7vXw4LpN9tBc3HjY"}],
        }
    }
    k8s.apps.v1.Deployment(
        "status-api",
        metadata={"name": "status-api", "namespace": "payments"},
        spec=deployment_spec("status-api", containers=[container(readiness_probe=probe)]),
    )
