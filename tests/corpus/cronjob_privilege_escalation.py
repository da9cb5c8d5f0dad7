"""A CronJob reading a Secret through envFrom whose container may gain privileges (setuid binaries):
envFrom counts as using the Secret, and is itself a Secret in the environment."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import SAFE_CONTEXT, container, pod_spec

EXPECTED = {"kubernetes-container-run-as-root", "kubernetes-container-secret-env"}


def program() -> None:
    k8s.batch.v1.CronJob(
        "nightly-export",
        metadata={"name": "nightly-export", "namespace": "orders"},
        spec={
            "schedule": "0 3 * * *",
            "job_template": {
                "spec": {
                    "template": {
                        "spec": pod_spec(
                            restart_policy="Never",
                            volumes=[],
                            containers=[
                                container(
                                    security_context={**SAFE_CONTEXT, "allow_privilege_escalation": True},
                                    env_from=[{"secret_ref": {"name": "orders-queue-v1"}}],
                                )
                            ],
                        )
                    }
                }
            },
        },
    )
