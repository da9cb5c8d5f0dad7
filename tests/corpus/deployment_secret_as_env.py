"""A Deployment reading its database password from an environment variable (secretKeyRef): the process's
environment is inherited by every child and shows in crash reports and debug endpoints."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import container, deployment_spec

EXPECTED = {"kubernetes-container-secret-env"}


def program() -> None:
    env = [
        {
            "name": "DB_PASSWORD",
            "value_from": {"secret_key_ref": {"name": "payments-db-v1", "key": "password"}},
        }
    ]
    k8s.apps.v1.Deployment(
        "payments-api",
        metadata={"name": "payments-api", "namespace": "payments"},
        spec=deployment_spec("payments-api", containers=[container(env=env)], volumes=[]),
    )
