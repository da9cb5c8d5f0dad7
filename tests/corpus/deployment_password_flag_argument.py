"""A password passed as the argument after `--db-password`, readable by whoever can get the Deployment."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import container, deployment_spec

EXPECTED = {"kubernetes-container-env-plaintext-secret"}


def program() -> None:
    k8s.apps.v1.Deployment(
        "importer",
        metadata={"name": "importer", "namespace": "payments"},
        spec=deployment_spec(
            "importer", containers=[container(args=["--db-host", "db", "--db-password", "hunter2hunter2"])]
        ),
    )
