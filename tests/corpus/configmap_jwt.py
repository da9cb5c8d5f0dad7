"""A signed service token (a JWT) kept in a ConfigMap."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-configmap-plaintext-secret"}

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcmRlcnMtYXBpIn0.dGhlLXNpZ25hdHVyZS1vZi10aGUtdG9rZW4"


def program() -> None:
    k8s.core.v1.ConfigMap(
        "service-token", metadata={"name": "service-token", "namespace": "orders"}, data={"jwt": JWT}
    )
