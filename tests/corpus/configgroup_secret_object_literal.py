"""A Secret declared as a ConfigGroup object with its value in plain text: the input is no Pulumi
secret, and no secret source holds the value."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"offline-secret-input-marked", "offline-secret-value-source"}


def program() -> None:
    k8s.yaml.v2.ConfigGroup(
        "extras",
        objs=[
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "extras", "namespace": "orders"},
                "stringData": {"webhook-secret": "shared-webhook-secret"},
            }
        ],
    )
