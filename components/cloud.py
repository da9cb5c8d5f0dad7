"""The one small interface between the platform and a cloud.

The program reads the same for AWS and Azure: `foundation()` returns the cluster, its Kubernetes
provider and the customer-managed keys, whichever cloud the stack chose.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
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
        from components.aws.foundation import AwsFoundation

        return AwsFoundation(name, stack, opts)
    from components.azure.foundation import AzureFoundation

    return AzureFoundation(name, stack, opts)


def deliver_store_secrets(
    name: str,
    stack: StackConfig,
    cloud: CloudFoundation,
    namespaces: Mapping[str, object],
    project_dir: Path,
    opts: pulumi.ResourceOptions | None = None,
) -> Mapping[str, pulumi.Output[str]]:
    """Declare the cloud store of `source: cloud` secrets and their sync into the cluster.

    Returns catalogue name -> name of the Kubernetes Secret kept in sync (empty when none).
    On Azure, config refuses cloud-store secrets for now (config/references.py).
    """
    if stack.cloud != "aws":
        return {}
    from components.aws.secret_delivery import AwsSecretDelivery, AwsSecretDeliveryArgs

    delivery = AwsSecretDelivery(
        name,
        AwsSecretDeliveryArgs(
            stack=stack,
            foundation=cloud,  # type: ignore[arg-type]  # AwsFoundation on an AWS stack
            namespaces=namespaces,  # type: ignore[arg-type]
            project_dir=project_dir,
        ),
        opts,
    )
    return delivery.synced_secret_names
