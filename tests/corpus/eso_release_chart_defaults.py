"""External Secrets installed with the chart's defaults: ClusterSecretStore, ClusterExternalSecret,
PushSecret and their controllers on, and a controller that may mint a token for any ServiceAccount."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-externalsecrets-operator-scope"}


def program() -> None:
    k8s.helm.v3.Release(
        "external-secrets",
        chart="external-secrets",
        version="2.9.0",
        namespace="external-secrets",
        repository_opts={"repo": "https://charts.external-secrets.io"},
        values={"installCRDs": True},
    )
