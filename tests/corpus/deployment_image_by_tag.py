"""A Deployment beside a Secret that runs its image by tag: whoever can push the tag changes what runs."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import container, deployment_spec

EXPECTED = {"kubernetes-container-image-digest"}


def program() -> None:
    mounts = [{"name": "secrets", "mount_path": "/run/secrets", "read_only": True}]
    k8s.apps.v1.Deployment(
        "payments-api",
        metadata={"name": "payments-api", "namespace": "payments"},
        spec=deployment_spec(
            "payments-api",
            containers=[container(image="ghcr.io/example/payments-api:2.4.1", volume_mounts=mounts)],
        ),
    )
