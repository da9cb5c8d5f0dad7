"""An EKS cluster whose Secrets sit in etcd without envelope encryption."""

from __future__ import annotations

import pulumi_aws as aws

EXPECTED = {"aws-eks-cluster-secrets-encryption"}


def program() -> None:
    aws.eks.Cluster(
        "cluster",
        name="secrets-dev",
        role_arn="arn:aws:iam::111122223333:role/eks",
        enabled_cluster_log_types=["api", "audit", "authenticator"],
        vpc_config={
            "subnet_ids": ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60719"],
            "endpoint_private_access": True,
            "public_access_cidrs": ["203.0.113.0/24"],  # the operators' network, as the platform does
        },
    )
