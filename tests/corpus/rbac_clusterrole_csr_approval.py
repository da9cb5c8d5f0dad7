"""A ClusterRole that approves certificate signing requests: a client certificate for any group."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-role-privilege-escalation"}


def program() -> None:
    k8s.rbac.v1.ClusterRole(
        "csr-approver",
        metadata={"name": "csr-approver"},
        rules=[
            {
                "api_groups": ["certificates.k8s.io"],
                "resources": ["certificatesigningrequests/approval"],
                "verbs": ["update"],
            },
            {
                "api_groups": ["certificates.k8s.io"],
                "resources": ["signers"],
                "resource_names": ["kubernetes.io/kube-apiserver-client"],
                "verbs": ["approve"],
            },
        ],
    )
