"""A cluster-admin binding hidden in the YAML text of a ConfigGroup."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-rolebinding-builtin-roles"}

MANIFESTS = """
apiVersion: v1
kind: ServiceAccount
metadata: {name: helper, namespace: tools}
automountServiceAccountToken: false
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: helper-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: ServiceAccount, name: helper, namespace: tools}
"""


def program() -> None:
    k8s.yaml.v2.ConfigGroup("helper", yaml=MANIFESTS)
