"""A SecretStore that reaches Vault over plain http: the sync identity's token and every secret it reads
cross the network in clear."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-secretstore-endpoint-tls"}


def program() -> None:
    k8s.apiextensions.CustomResource(
        "orders-vault",
        api_version="external-secrets.io/v1",
        kind="SecretStore",
        metadata={"name": "orders-vault", "namespace": "orders"},
        spec={
            "provider": {
                "vault": {
                    "server": "http://vault.vault.svc.cluster.local:8200",
                    "path": "secrets-platform",
                    "version": "v2",
                    "auth": {
                        "jwt": {
                            "path": "secrets-platform-jwt",
                            "role": "orders-api-vault-sync",
                            "kubernetesServiceAccountToken": {
                                "serviceAccountRef": {"name": "orders-api-vault-sync", "audiences": ["vault"]}
                            },
                        }
                    },
                }
            }
        },
    )
