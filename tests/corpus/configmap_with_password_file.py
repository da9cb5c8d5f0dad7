"""A ConfigMap carrying an application.properties with a password."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-configmap-plaintext-secret"}


def program() -> None:
    k8s.core.v1.ConfigMap(
        "orders-config",
        metadata={"name": "orders-config", "namespace": "orders"},
        data={
            "application.properties": "queue.url=amqps://mq.internal:5671\nqueue.password=guest-guest-guest\n"
        },
    )
