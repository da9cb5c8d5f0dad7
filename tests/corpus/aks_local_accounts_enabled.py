"""An AKS cluster that keeps local accounts: a static cluster-admin kubeconfig outside Entra ID."""

from __future__ import annotations

import pulumi_azure_native as azure_native

from tests.corpus._safe import aks_cluster_args, audit_logs

EXPECTED = {"azure-aks-cluster-local-accounts"}


def program() -> None:
    cluster = azure_native.containerservice.ManagedCluster(
        "cluster", **aks_cluster_args(resource_name_="aks-local", disable_local_accounts=False)
    )
    audit_logs(cluster, "cluster", "kube-audit")
