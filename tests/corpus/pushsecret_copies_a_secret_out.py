"""A PushSecret that copies a cluster Secret out to a store the namespace names: the reverse of every
path the platform declares, and a way to move a value out of the cluster's access control."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-externalsecrets-operator-scope"}


def program() -> None:
    k8s.apiextensions.CustomResource(
        "payments-export",
        api_version="external-secrets.io/v1alpha1",
        kind="PushSecret",
        metadata={"name": "payments-export", "namespace": "payments"},
        spec={
            "refreshInterval": "1h",
            "secretStoreRefs": [{"name": "payments-secrets-manager", "kind": "SecretStore"}],
            "selector": {"secret": {"name": "payments-db-v1"}},
            "data": [
                {"match": {"secretKey": "password", "remoteRef": {"remoteKey": "exported/payments-db"}}}
            ],
        },
    )
