"""A Deployment whose containers share one process namespace beside a Secret volume: the sidecar reads
the API container's Secret files through /proc/<pid>/root."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import SAFE_SECRET_VOLUME, deployment_spec

EXPECTED = {"kubernetes-pod-shared-process-namespace"}


def program() -> None:
    k8s.apps.v1.Deployment(
        "payments-debug",
        metadata={"name": "payments-debug", "namespace": "payments"},
        spec=deployment_spec("payments-debug", volumes=[SAFE_SECRET_VOLUME], share_process_namespace=True),
    )
