"""A Helm release with a plaintext database password in its values."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-helm-release-values-plaintext-secret"}


def program() -> None:
    k8s.helm.v3.Release(
        "cms-db",
        chart="postgresql",
        version="15.5.0",
        repository_opts={"repo": "https://charts.bitnami.com/bitnami"},
        namespace="cms",
        values={"auth": {"username": "cms", "password": "cms-db-password-2024"}},
    )
