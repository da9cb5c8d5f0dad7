"""A private key kept in a ConfigMap's binaryData, base64 as binaryData requires."""

from __future__ import annotations

import base64

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-configmap-plaintext-secret"}

KEY = b"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oXnUQl0hnD3YoAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n"


def program() -> None:
    k8s.core.v1.ConfigMap(
        "signing",
        metadata={"name": "signing", "namespace": "payments"},
        binary_data={"signing.der": base64.b64encode(KEY).decode()},
    )
