"""A Deployment mounting a Secret without a mode: Kubernetes writes the files 0644, readable by every
user of the container."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import deployment_spec

EXPECTED = {"kubernetes-pod-secret-volume-mode"}


def program() -> None:
    k8s.apps.v1.Deployment(
        "reports",
        metadata={"name": "reports", "namespace": "payments"},
        spec=deployment_spec(
            "reports", volumes=[{"name": "secrets", "secret": {"secret_name": "payments-db-v1"}}]
        ),
    )
