"""A registry credential (`.dockerconfigjson` shape) kept in a ConfigMap."""

from __future__ import annotations

import base64
import json

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-configmap-plaintext-secret"}


def program() -> None:
    auth = base64.b64encode(b"deploy:registry-pass").decode()
    k8s.core.v1.ConfigMap(
        "registry",
        metadata={"name": "registry", "namespace": "payments"},
        data={"config.json": json.dumps({"auths": {"ghcr.io": {"auth": auth}}})},
    )
