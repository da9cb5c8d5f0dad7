"""A privileged container: it sees the node's disks and every pod's volumes."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import SAFE_CONTEXT, container, pod_spec

EXPECTED = {"kubernetes-container-privileged"}


def program() -> None:
    k8s.core.v1.Pod(
        "debug-pod",
        metadata={"name": "debug-pod", "namespace": "payments"},
        spec=pod_spec(containers=[container(security_context={**SAFE_CONTEXT, "privileged": True})]),
    )
