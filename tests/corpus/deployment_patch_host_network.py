"""A server-side-apply patch that moves a live Deployment into the node's network namespace."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-pod-host-access"}


def program() -> None:
    k8s.apps.v1.DeploymentPatch(
        "payments-api-patch",
        metadata={"name": "payments-api", "namespace": "payments"},
        spec={"template": {"spec": {"host_network": True}}},
    )
