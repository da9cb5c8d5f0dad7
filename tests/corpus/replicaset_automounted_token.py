"""A ReplicaSet whose pods get the default ServiceAccount's API token, though nothing grants it a role."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import deployment_spec

EXPECTED = {"kubernetes-pod-service-account-token"}


def program() -> None:
    k8s.apps.v1.ReplicaSet(
        "worker",
        metadata={"name": "worker", "namespace": "orders"},
        spec=deployment_spec("worker", automount_service_account_token=None),
    )
