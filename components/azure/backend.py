"""The Azure backend of the cloud interface (`components/cloud.py`): AKS with Key Vault KMS.

It turns the stack config into each component's narrow arguments; nothing else here decides.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi

from components.azure.foundation import AzureFoundation, AzureFoundationArgs
from config.models import AzureConfig, StackConfig


class AzureBackend:
    """The parts of the cloud interface, on Azure."""

    def __init__(self, stack: StackConfig, project_dir: Path) -> None:
        if stack.azure is None:  # config/references.py requires the block on an Azure stack
            raise ValueError("an Azure stack needs the secrets-platform:azure block")
        self._stack = stack
        self._azure: AzureConfig = stack.azure
        self._project_dir = project_dir

    def foundation(self, name: str, opts: pulumi.ResourceOptions) -> AzureFoundation:
        return AzureFoundation(name, foundation_args(self._stack), opts)

    def secret_delivery(self, name: str, args: Any, opts: pulumi.ResourceOptions) -> None:
        """Key Vault delivery is not declared yet: config refuses `source: cloud` on Azure until it is."""
        return None


def foundation_args(stack: StackConfig) -> AzureFoundationArgs:
    """The foundation's arguments from a stack with `cloud: azure`."""
    cloud = stack.azure
    if cloud is None:  # config/references.py requires the block on such a stack
        raise ValueError("a stack with cloud: azure needs the secrets-platform:azure block")
    return AzureFoundationArgs(
        azure=cloud, cluster=stack.cluster, region=stack.region, node_size=stack.node_size
    )
