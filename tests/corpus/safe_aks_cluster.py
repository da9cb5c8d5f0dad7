"""Passes: an AKS cluster as the platform declares one."""

from __future__ import annotations

import pulumi_azure_native as azure_native

from tests.corpus._safe import aks_cluster_args, audit_logs

EXPECTED: set[str] = set()


def program() -> None:
    cluster = azure_native.containerservice.ManagedCluster(
        "cluster", **aks_cluster_args(resource_name_="aks-safe")
    )
    audit_logs(cluster, "cluster", "kube-audit")
