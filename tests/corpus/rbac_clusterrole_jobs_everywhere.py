"""A ClusterRole that creates Jobs, bound cluster-wide: every namespace's Secrets are mountable."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import token

EXPECTED = {"kubernetes-role-workload-write"}


def program() -> None:
    k8s.core.v1.Secret(
        "maps-api-key",
        metadata={
            "name": "maps-api-key-v9",
            "namespace": "cms",
            "annotations": {"secrets-platform/rotation-days": "30"},
        },
        string_data={"api-key": token()},
    )
    k8s.rbac.v1.ClusterRole(
        "job-runner",
        metadata={"name": "job-runner"},
        rules=[
            {"api_groups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": ["create", "get", "list"]}
        ],
    )
    k8s.rbac.v1.ClusterRoleBinding(
        "job-runner",
        metadata={"name": "job-runner"},
        role_ref={"api_group": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "job-runner"},
        subjects=[{"kind": "ServiceAccount", "name": "scheduler", "namespace": "batch"}],
    )
