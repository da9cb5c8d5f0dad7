"""A Secret whose stringData is a plain literal: stored in clear in the state."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"offline-secret-input-marked"}


def program() -> None:
    k8s.core.v1.Secret(
        "payments-db",
        metadata={
            "name": "payments-db-v1",
            "namespace": "payments",
            "labels": {"app.kubernetes.io/managed-by": "secrets-platform"},
            "annotations": {"secrets-platform/rotation-days": "30"},
        },
        string_data={"password": "written-in-the-program"},
    )
