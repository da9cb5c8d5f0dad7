"""An admin password kept in a resource group's tags."""

from __future__ import annotations

import pulumi_azure_native as azure_native

EXPECTED = {"azure-resource-tags-plaintext-secret"}


def program() -> None:
    azure_native.resources.ResourceGroup(
        "rg", resource_group_name="rg-scratch", tags={"adminPassword": "P@ssw0rd-2024"}
    )
