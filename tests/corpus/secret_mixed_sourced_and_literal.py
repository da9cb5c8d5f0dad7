"""A Secret with one key from a secret source and another written in the program: each key is judged."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from tests.corpus._safe import token

EXPECTED = {"offline-secret-value-source"}


def program() -> None:
    k8s.core.v1.Secret(
        "partner",
        metadata={
            "name": "partner-v1",
            "namespace": "payments",
            "annotations": {"secrets-platform/rotation-days": "30"},
        },
        string_data=pulumi.Output.secret({"client-id": token(), "client-secret": "fallback-secret-in-code"}),
    )
