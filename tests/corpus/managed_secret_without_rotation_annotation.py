"""A platform-managed Secret that declares no rotation."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-secret-rotation-annotation", "stack-secret-rotation-coverage"}


def program() -> None:
    k8s.core.v1.Secret(
        "payments-db",
        metadata={
            "name": "payments-db-v1",
            "namespace": "payments",
            "labels": {"app.kubernetes.io/managed-by": "secrets-platform"},
            "annotations": {},
        },
        string_data=pulumi.Output.secret(
            {"password": pulumi.Config("secrets-platform").require_secret("token")}
        ),
    )
