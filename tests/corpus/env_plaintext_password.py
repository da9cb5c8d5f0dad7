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
                            "image": "ghcr.io/example/payments-api@sha256:3b7d0e5c9a1f4e8b2c6d0a9f7e5c3b1a8d6f4e2c0b9a7d5f3e1c8b6a4d2f0e9c",
                            "env": [{"name": "DB_PASSWORD", "value": "hunter2-in-the-pod-spec"}],
                        }
                    ],
                },
            },
        },
    )
