"""A Job that mounts a Secret and runs as root."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import SAFE_CONTEXT, container, pod_spec

EXPECTED = {"kubernetes-container-run-as-root"}


def program() -> None:
    k8s.batch.v1.Job(
        "migrate",
        metadata={"name": "migrate", "namespace": "payments"},
        spec={
            "template": {
                "spec": pod_spec(
                    restart_policy="Never",
                    security_context={"fs_group": 65532},
                    containers=[
                        container(
                            security_context={**SAFE_CONTEXT, "run_as_non_root": False, "run_as_user": 0}
                        )
                    ],
                )
            }
        },
    )
