"""A legacy ServiceAccount token Secret: a token that never expires, for anyone who may read Secrets."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-secret-service-account-token"}


def program() -> None:
    k8s.core.v1.Secret(
        "payments-api-token",
        metadata={
            "name": "payments-api-token",
            "namespace": "payments",
            "annotations": {"kubernetes.io/service-account.name": "payments-api"},
        },
        type="kubernetes.io/service-account-token",
    )
