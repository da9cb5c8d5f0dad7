"""Passes: a generated password (32 characters, rotated by keepers) delivered as a Secret."""

from __future__ import annotations

import pulumi_kubernetes as k8s
import pulumi_random as random

EXPECTED: set[str] = set()


def program() -> None:
    password = random.RandomPassword("ledger-db", length=32, special=False, keepers={"version": "1"})
    k8s.core.v1.Secret(
        "ledger-db",
        metadata={"name": "ledger-db-v1", "namespace": "payments"},
        string_data={"password": password.result},
    )
