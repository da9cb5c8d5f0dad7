"""An AKS cluster without Key Vault KMS encryption of Secrets."""

from __future__ import annotations

import pulumi_azure_native as azure_native

EXPECTED = {"azure-aks-cluster-kms"}


def program() -> None:
    azure_native.containerservice.ManagedCluster(
        "cluster",
        resource_group_name="rg-secrets-prod",
        dns_prefix="secrets-prod",
        security_profile={"workload_identity": {"enabled": True}},
    )
