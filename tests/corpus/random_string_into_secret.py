"""A RandomString as a token: its result sits in plain text in the state, and is no secret source."""

from __future__ import annotations

import pulumi_kubernetes as k8s
import pulumi_random as random

EXPECTED = {"random-string-secret-use", "offline-secret-value-source"}


def program() -> None:
    value = random.RandomString("webhook-token", length=48, special=False, keepers={"version": "1"})
    k8s.core.v1.Secret(
        "webhook-token",
        metadata={
            "name": "webhook-token-v1",
            "namespace": "orders",
            "annotations": {"secrets-platform/rotation-days": "30"},
        },
        string_data={"token": value.result},
    )
