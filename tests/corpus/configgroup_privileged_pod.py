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
    image: ghcr.io/example/debugger:1.0.0
    securityContext: {privileged: true}
"""


def program() -> None:
    k8s.yaml.v2.ConfigGroup("node-debugger", yaml=MANIFEST)
