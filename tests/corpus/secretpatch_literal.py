"""A SecretPatch that overwrites a live Secret's key with a value written in the program."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"offline-secret-value-source"}


def program() -> None:
    k8s.core.v1.SecretPatch(
        "override",
        metadata={"name": "payments-provider-v1", "namespace": "payments"},
        string_data={"api-key": "temporary-override-key"},
    )
