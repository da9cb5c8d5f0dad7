"""An EKS cluster (Secrets encrypted) whose public API endpoint admits 0.0.0.0/0."""

from __future__ import annotations

import pulumi_aws as aws

from tests.corpus._safe import KMS_KEY_ARN

EXPECTED = {"aws-eks-cluster-endpoint-public"}


def program() -> None:
    aws.eks.Cluster(
        "cluster",
        name="secrets-open",
        role_arn="arn:aws:iam::111122223333:role/eks",
        enabled_cluster_log_types=["api", "audit", "authenticator"],
        encryption_config={"resources": ["secrets"], "provider": {"key_arn": KMS_KEY_ARN}},
        vpc_config={
            "subnet_ids": ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60719"],
            "endpoint_public_access": True,
            "public_access_cidrs": ["0.0.0.0/0"],
        },
    )
