"""A config secret copied into a ConfigMap under an innocent key: only the plan can tell."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

EXPECTED = {"offline-secret-in-plaintext-field"}


def program() -> None:
    k8s.core.v1.ConfigMap(
        "maps-config",
        metadata={"name": "maps-config", "namespace": "bff"},
        data={"settings": pulumi.Config("secrets-platform").require_secret("token")},
    )
