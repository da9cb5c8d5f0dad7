"""A Secret in a ConfigGroup's YAML text: the text is a plain input, the value written in the program."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"offline-secret-input-marked", "offline-secret-value-source"}

MANIFEST = """
apiVersion: v1
kind: Secret
metadata: {name: registry, namespace: payments}
type: Opaque
data:
  token: cmVnaXN0cnktdG9rZW4taW4tY29kZQ==
"""


def program() -> None:
    k8s.yaml.v2.ConfigGroup("registry", yaml=MANIFEST)
