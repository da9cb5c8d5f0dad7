"""A container adding CAP_SYS_ADMIN, enough to mount the node's filesystems."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import SAFE_CONTEXT, container, deployment_spec

EXPECTED = {"kubernetes-container-privileged"}


def program() -> None:
    k8s.apps.v1.StatefulSet(
        "fuse-cache",
        metadata={"name": "fuse-cache", "namespace": "orders"},
        spec={
            **deployment_spec(
                "fuse-cache",
                containers=[
                    container(security_context={**SAFE_CONTEXT, "capabilities": {"add": ["SYS_ADMIN"]}})
                ],
            ),
            "service_name": "fuse-cache",
        },
    )
