"""An API key kept in a Service annotation."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-metadata-plaintext-secret"}


def program() -> None:
    k8s.core.v1.Service(
        "bff",
        metadata={
            "name": "bff",
            "namespace": "bff",
            "annotations": {"monitoring.example.com/api-key": "mon-abc123def456"},
        },
        spec={"selector": {"app": "bff"}, "ports": [{"port": 80, "target_port": 8080}]},
    )
