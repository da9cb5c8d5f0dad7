"""A privileged pod declared in a ConfigGroup's YAML text."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-container-privileged"}

MANIFEST = """
apiVersion: v1
kind: Pod
metadata: {name: node-debugger, namespace: tools}
spec:
  automountServiceAccountToken: false
  containers:
  - name: debugger
    image: ghcr.io/example/debugger@sha256:3b7d0e5c9a1f4e8b2c6d0a9f7e5c3b1a8d6f4e2c0b9a7d5f3e1c8b6a4d2f0e9c
    securityContext: {privileged: true}
"""


def program() -> None:
    k8s.yaml.v2.ConfigGroup("node-debugger", yaml=MANIFEST)
