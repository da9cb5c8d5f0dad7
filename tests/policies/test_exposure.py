"""Exposure: cluster API endpoints and function URLs are not open to the world."""

from __future__ import annotations

import pulumi_aws as aws
import pulumi_azure_native as azure_native

from policies.exposure import (
    AWS_EKS_CLUSTER_ENDPOINT_PUBLIC,
    AWS_LAMBDA_FUNCTION_URL_AUTH,
    AZURE_AKS_CLUSTER_API_SERVER_ACCESS,
)
from tests.policies.conftest import judge


def _eks(name: str, **vpc: object) -> None:
    aws.eks.Cluster(
        name,
        role_arn="arn:aws:iam::111122223333:role/cluster",
        vpc_config={"subnet_ids": ["subnet-1", "subnet-2"], **vpc},
    )


def test_eks_cluster_endpoint_public() -> None:
    def body() -> None:
        _eks("passed-1", endpoint_public_access=False, endpoint_private_access=True)
        _eks("passed-2", endpoint_public_access=True, public_access_cidrs=["203.0.113.0/24"])
        _eks("failed-1")  # the EKS default: public, from 0.0.0.0/0
        _eks("failed-2", endpoint_public_access=True, public_access_cidrs=["0.0.0.0/0"])
        _eks("failed-3", public_access_cidrs=["203.0.113.0/24", "0.0.0.0/1"])
        _eks("failed-4", public_access_cidrs=["::/0"])
        _eks("failed-5", public_access_cidrs=["not-a-network"])

    judge(AWS_EKS_CLUSTER_ENDPOINT_PUBLIC, body)


def _aks(name: str, profile: dict | None) -> None:
    azure_native.containerservice.ManagedCluster(
        name, resource_group_name="rg", dns_prefix="c", api_server_access_profile=profile
    )


def test_aks_cluster_api_server_access() -> None:
    def body() -> None:
        _aks("passed-1", {"enable_private_cluster": True})
        _aks("passed-2", {"authorized_ip_ranges": ["198.51.100.0/24"]})
        _aks("failed-1", None)
        _aks("failed-2", {"authorized_ip_ranges": []})
        _aks("failed-3", {"authorized_ip_ranges": ["198.51.100.0/24", "0.0.0.0/0"]})
        _aks("failed-4", {"enable_private_cluster": False, "authorized_ip_ranges": ["10.0.0.0/4"]})

    judge(AZURE_AKS_CLUSTER_API_SERVER_ACCESS, body)


def test_lambda_function_url_auth() -> None:
    def body() -> None:
        aws.lambda_.FunctionUrl("passed-1", function_name="f", authorization_type="AWS_IAM")
        aws.lambda_.FunctionUrl("failed-1", function_name="f", authorization_type="NONE")
        aws.lambda_.FunctionUrl("failed-2", function_name="f", authorization_type="none")

    judge(AWS_LAMBDA_FUNCTION_URL_AUTH, body)
