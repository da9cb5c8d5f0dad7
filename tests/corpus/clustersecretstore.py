"""A ClusterSecretStore: any namespace's ExternalSecret could read what its role reaches."""

from __future__ import annotations

import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-clustersecretstore-forbidden"}


def program() -> None:
    k8s.apiextensions.CustomResource(
        "shared-secrets-manager",
        api_version="external-secrets.io/v1",
        kind="ClusterSecretStore",
        metadata={"name": "secrets-manager", "labels": {"app.kubernetes.io/managed-by": "secrets-platform"}},
        spec={
            "provider": {
                "aws": {
                    "service": "SecretsManager",
                    "region": "eu-west-1",
                    "auth": {
                        "jwt": {
                            "serviceAccountRef": {"name": "external-secrets", "namespace": "external-secrets"}
                        }
                    },
                }
            }
        },
    )
