"""Passes: a Secret declared as a ConfigGroup object, its value a Pulumi secret from the stack config."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from tests.corpus._safe import token

EXPECTED: set[str] = set()


def program() -> None:
    k8s.yaml.v2.ConfigGroup(
        "ledger",
        objs=[
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "ledger-api-v1", "namespace": "payments"},
                "stringData": pulumi.Output.secret({"api-key": token()}),
            }
        ],
    )
