"""A token buried in a shell command line."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import container, deployment_spec

EXPECTED = {"kubernetes-container-env-plaintext-secret"}


def program() -> None:
    k8s.apps.v1.Deployment(
        "webhook-relay",
        metadata={"name": "webhook-relay", "namespace": "orders"},
        spec=deployment_spec(
            "webhook-relay",
            containers=[
                container(command=["sh", "-c", "exec relay --listen :8080 --api-token=q8ZfK2mR7vXw4LpN9tBc"])
            ],
        ),
    )
