"""A workload's IAM role given the EKS cluster-admin access policy: every Secret of the cluster."""

from __future__ import annotations

import pulumi_aws as aws

EXPECTED = {"aws-eks-access-policy-admin"}


def program() -> None:
    aws.eks.AccessPolicyAssociation(
        "reporter-admin",
        cluster_name="secrets-dev",
        policy_arn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
        principal_arn="arn:aws:iam::111122223333:role/reporter",
        access_scope={"type": "cluster"},
    )
