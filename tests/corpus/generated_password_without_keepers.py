"""A generated password nothing can rotate: no keepers."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

EXPECTED = {"random-password-keepers", "stack-secret-rotation-coverage"}


def program() -> None:
    password = random.RandomPassword("payments-db-password", length=32, special=False)
    k8s.core.v1.Secret(
        "payments-db",
        metadata={
            "name": "payments-db-v1",
            "namespace": "payments",
            "labels": {"app.kubernetes.io/managed-by": "secrets-platform"},
            "annotations": {"secrets-platform/rotation-days": "30"},
        },
        string_data=pulumi.Output.secret({"password": password.result}),
    )
