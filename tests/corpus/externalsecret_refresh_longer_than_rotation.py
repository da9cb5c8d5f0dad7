"""An ExternalSecret re-read every 90 days for a secret rotated every 30: pods keep rotated-out values."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-externalsecret-refresh-interval"}
LABELS = {
    "app.kubernetes.io/managed-by": "secrets-platform",
    "secrets-platform/secret": "orders-queue",
    "secrets-platform/version": "1",
}


def program() -> None:
    k8s.apiextensions.CustomResource(
        "orders-queue",
        api_version="external-secrets.io/v1",
        kind="ExternalSecret",
        metadata={
            "name": "orders-queue-v1",
            "namespace": "orders",
            "labels": LABELS,
            "annotations": {"secrets-platform/rotation-days": "30"},
        },
        spec={
            "refreshPolicy": "Periodic",
            "refreshInterval": "2160h0m0s",
            "secretStoreRef": {"name": "orders-api-secrets-manager", "kind": "SecretStore"},
            "target": {
                "name": "orders-queue-v1",
                "creationPolicy": "Owner",
                "template": {
                    "type": "Opaque",
                    "metadata": {"labels": LABELS, "annotations": {"secrets-platform/rotation-days": "30"}},
                },
            },
            "data": [
                {
                    "secretKey": key,
                    "remoteRef": {
                        "key": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:secrets-prod/orders-queue",
                        "property": key,
                    },
                }
                for key in ("username", "password")
            ],
        },
    )
