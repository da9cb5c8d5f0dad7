"""A pod that projects an API-server token for a ServiceAccount no binding of the stack names."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import SAFE_SECRET_VOLUME, pod_spec

EXPECTED = {"kubernetes-pod-service-account-token"}


def program() -> None:
    k8s.core.v1.Pod(
        "token-holder",
        metadata={"name": "token-holder", "namespace": "payments"},
        spec=pod_spec(
            service_account_name="reports",
            volumes=[
                SAFE_SECRET_VOLUME,
                {"name": "api", "projected": {"sources": [{"service_account_token": {"path": "token"}}]}},
            ],
        ),
    )
