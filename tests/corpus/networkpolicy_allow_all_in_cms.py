"""A NetworkPolicy in the CMS namespace with an empty ingress rule: every pod of the cluster reaches the
CMS, where the mobile secrets live, past the namespace's default deny."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-networkpolicy-allow-all"}


def program() -> None:
    k8s.networking.v1.NetworkPolicy(
        "cms-open",
        metadata={"name": "cms-open", "namespace": "cms"},
        spec={"pod_selector": {}, "policy_types": ["Ingress"], "ingress": [{}]},
    )
