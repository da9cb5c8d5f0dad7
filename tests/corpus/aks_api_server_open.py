"""An AKS API server that admits the whole internet."""

from __future__ import annotations

import pulumi_azure_native as azure_native

from tests.corpus._safe import aks_cluster_args, audit_logs

EXPECTED = {"azure-aks-cluster-api-server-access"}


def program() -> None:
    cluster = azure_native.containerservice.ManagedCluster(
        "cluster",
        **aks_cluster_args(
            resource_name_="aks-open", api_server_access_profile={"authorized_ip_ranges": ["0.0.0.0/0"]}
        ),
    )
    audit_logs(cluster, "cluster", "kube-audit")
