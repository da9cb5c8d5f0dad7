"""An AKS cluster that authenticates with Entra ID but authorizes with Kubernetes RBAC only."""

from __future__ import annotations

import pulumi_azure_native as azure_native

from tests.corpus._safe import aks_cluster_args, audit_logs

EXPECTED = {"azure-aks-cluster-azure-rbac"}


def program() -> None:
    cluster = azure_native.containerservice.ManagedCluster(
        "cluster",
        **aks_cluster_args(
            resource_name_="aks-no-azure-rbac", aad_profile={"managed": True, "enable_azure_rbac": False}
        ),
    )
    audit_logs(cluster, "cluster", "kube-audit")
