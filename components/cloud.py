"""The one small interface between the platform and a cloud.

The program reads the same for AWS and Azure: `foundation()` returns the cluster, its Kubernetes
provider and the customer-managed keys, whichever cloud the stack chose.
"""

from __future__ import annotations

from typing import Protocol

import pulumi
import pulumi_kubernetes as k8s

from config.models import StackConfig


class CloudFoundation(Protocol):
    """What the rest of the platform needs from a cloud."""

    kubernetes_provider: k8s.Provider
    """Provider for the cluster, built from the cluster's outputs (its kubeconfig is a secret)."""
    cluster_name: pulumi.Output[str]
    """Name of the managed cluster."""
    secrets_key_id: pulumi.Output[str]
    """Customer-managed key that envelope-encrypts the cluster's Secrets (ARN or Key Vault key ID)."""
    store_key_id: pulumi.Output[str]
    """Customer-managed key of the secret store and the audit logs."""


def foundation(name: str, stack: StackConfig, opts: pulumi.ResourceOptions | None = None) -> CloudFoundation:
    """Declare the chosen cloud's cluster and keys."""
    if stack.cloud == "aws":
        from components.aws_foundation import AwsFoundation

        return AwsFoundation(name, stack, opts)
    from components.azure_foundation import AzureFoundation

    return AzureFoundation(name, stack, opts)
