"""A database password written into the Deployment's env."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-container-env-plaintext-secret"}


def program() -> None:
    k8s.apps.v1.Deployment(
        "payments-api",
        metadata={"name": "payments-api", "namespace": "payments"},
        spec={
            "selector": {"match_labels": {"app": "payments-api"}},
            "template": {
                "metadata": {"labels": {"app": "payments-api"}},
                "spec": {
                    "automount_service_account_token": False,
                    "containers": [
                        {
                            "name": "api",
                            "image": "ghcr.io/example/payments-api:2.4.1",
                            "env": [{"name": "DB_PASSWORD", "value": "hunter2-in-the-pod-spec"}],
                        }
                    ],
                },
            },
        },
    )
