"""A ClusterRole that registers admission webhooks: every Secret created is sent to the webhook."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-role-privilege-escalation"}


def program() -> None:
    k8s.rbac.v1.ClusterRole(
        "webhook-installer",
        metadata={"name": "webhook-installer"},
        rules=[
            {
                "api_groups": ["admissionregistration.k8s.io"],
                "resources": ["mutatingwebhookconfigurations"],
                "verbs": ["create", "patch"],
            }
        ],
    )
