"""A Kubernetes provider whose kubeconfig is a plain string."""

from __future__ import annotations

import json

import pulumi_kubernetes as k8s

EXPECTED = {"offline-secret-input-marked"}


def program() -> None:
    kubeconfig = {"apiVersion": "v1", "kind": "Config", "clusters": [], "contexts": [], "users": []}
    k8s.Provider("cluster", kubeconfig=json.dumps(kubeconfig))
