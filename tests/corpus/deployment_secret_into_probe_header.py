"""A config secret sent as a liveness probe's header: the pack sees a credential in the pod spec,
the offline check sees a Pulumi secret leave for a field stored in plain text."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import container, deployment_spec, token

EXPECTED = {"kubernetes-container-env-plaintext-secret", "offline-secret-in-plaintext-field"}


def program() -> None:
    probe = {
        "http_get": {"path": "/live", "port": 8080, "http_headers": [{"name": "X-Api-Key", "value": token()}]}
    }
    k8s.apps.v1.Deployment(
        "probe-key",
        metadata={"name": "probe-key", "namespace": "payments"},
        spec=deployment_spec("probe-key", containers=[container(liveness_probe=probe)]),
    )
