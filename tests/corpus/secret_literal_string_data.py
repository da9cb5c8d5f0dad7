"""A Kubernetes Secret whose value is written in the program: the SDK marks stringData secret, so
only the plan's provenance shows that no secret source holds it."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"offline-secret-value-source"}


def program() -> None:
    k8s.core.v1.Secret(
        "legacy-api-key",
        metadata={
            "name": "legacy-api-key-v1",
            "namespace": "payments",
            "annotations": {"secrets-platform/rotation-days": "30"},
        },
        string_data={"api-key": "written-in-the-program-2024"},
    )
