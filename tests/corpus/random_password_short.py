"""A generated password of 12 characters: 77 bits, guessable offline."""

from __future__ import annotations

import pulumi_kubernetes as k8s
import pulumi_random as random

EXPECTED = {"random-password-strength"}


def program() -> None:
    password = random.RandomPassword("reports-db", length=12, keepers={"version": "1"})
    k8s.core.v1.Secret(
        "reports-db",
        metadata={
            "name": "reports-db-v1",
            "namespace": "payments",
            "annotations": {"secrets-platform/rotation-days": "30"},
        },
        string_data={"password": password.result},
    )
