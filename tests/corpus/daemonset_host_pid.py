"""A DaemonSet in the node's PID namespace: /proc of every process, and the files they hold open."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import deployment_spec

EXPECTED = {"kubernetes-pod-host-access"}


def program() -> None:
    k8s.apps.v1.DaemonSet(
        "node-agent",
        metadata={"name": "node-agent", "namespace": "tools"},
        spec=deployment_spec("node-agent", host_pid=True, host_network=True),
    )
