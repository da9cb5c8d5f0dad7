"""A Deployment mounting the node's kubelet directory, where every pod's Secret volume lives."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import SAFE_SECRET_VOLUME, deployment_spec

EXPECTED = {"kubernetes-pod-host-access"}


def program() -> None:
    k8s.apps.v1.Deployment(
        "log-shipper",
        metadata={"name": "log-shipper", "namespace": "payments"},
        spec=deployment_spec(
            "log-shipper",
            volumes=[SAFE_SECRET_VOLUME, {"name": "kubelet", "host_path": {"path": "/var/lib/kubelet/pods"}}],
        ),
    )
