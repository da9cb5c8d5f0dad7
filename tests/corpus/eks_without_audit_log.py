"""An EKS cluster with its control-plane logs off (the EKS default): nobody can tell who read which
Secret through the API server."""

from __future__ import annotations

import pulumi_aws as aws

from tests.corpus._safe import KMS_KEY_ARN

EXPECTED = {"aws-eks-cluster-audit-logging"}


def program() -> None:
    aws.eks.Cluster(
        "cluster",
        name="secrets-quiet",
        role_arn="arn:aws:iam::111122223333:role/eks",
        encryption_config={"resources": ["secrets"], "provider": {"key_arn": KMS_KEY_ARN}},
        vpc_config={
            "subnet_ids": ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60719"],
            "endpoint_public_access": False,
            "endpoint_private_access": True,
        },
    )
