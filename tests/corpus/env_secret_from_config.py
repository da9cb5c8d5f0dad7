"""A config secret read properly, then put into an env literal (visible to `get deployment`)."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

EXPECTED = {"offline-secret-in-plaintext-field", "kubernetes-container-env-plaintext-secret"}


def program() -> None:
    token = pulumi.Config("secrets-platform").require_secret("token")
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
                            "env": [{"name": "PROVIDER_API_KEY", "value": token}],
                        }
                    ],
                },
            },
        },
    )
