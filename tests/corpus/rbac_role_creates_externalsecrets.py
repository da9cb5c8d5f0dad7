"""A Role that creates ExternalSecrets next to a SecretStore: it copies anything the store's
credentials reach into a Secret of its choosing."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-role-workload-write"}


def program() -> None:
    k8s.apiextensions.CustomResource(
        "store",
        api_version="external-secrets.io/v1",
        kind="SecretStore",
        metadata={"name": "orders-api-secrets-manager", "namespace": "orders"},
        spec={
            "provider": {
                "aws": {
                    "service": "SecretsManager",
                    "region": "eu-west-1",
                    "auth": {"jwt": {"serviceAccountRef": {"name": "orders-api-secret-sync"}}},
                }
            }
        },
    )
    k8s.rbac.v1.Role(
        "external-secret-writer",
        metadata={"name": "external-secret-writer", "namespace": "orders"},
        rules=[
            {"api_groups": ["external-secrets.io"], "resources": ["externalsecrets"], "verbs": ["create"]}
        ],
    )
