"""A projected Secret volume made world-readable (0444)."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import deployment_spec

EXPECTED = {"kubernetes-pod-secret-volume-mode"}


def program() -> None:
    k8s.apps.v1.StatefulSet(
        "ledger",
        metadata={"name": "ledger", "namespace": "payments"},
        spec={
            **deployment_spec(
                "ledger",
                volumes=[
                    {
                        "name": "secrets",
                        "projected": {
                            "default_mode": 0o444,
                            "sources": [{"secret": {"name": "payments-db-v1"}}],
                        },
                    }
                ],
            ),
            "service_name": "ledger",
        },
    )
