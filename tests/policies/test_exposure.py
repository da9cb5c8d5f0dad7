"""Exposure: cluster API endpoints and function URLs are not open to the world."""

from __future__ import annotations

import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_kubernetes as k8s
import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from policies._kubernetes import chart_name
from policies.exposure import (
    AWS_EKS_CLUSTER_ENDPOINT_PUBLIC,
    AWS_LAMBDA_FUNCTION_URL_AUTH,
    AZURE_AKS_CLUSTER_API_SERVER_ACCESS,
    KUBERNETES_INGRESS_SNIPPET_ANNOTATION,
    KUBERNETES_NETWORKPOLICY_ALLOW_ALL,
    _every_peer,
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


def _ingress(name: str, annotations: dict[str, str]) -> None:
    k8s.networking.v1.Ingress(
        name,
        metadata={"namespace": "bff", "annotations": annotations},
        spec={"ingress_class_name": "nginx", "rules": [{"host": "bff.example.com"}]},
    )


def _ingress_nginx(name: str, values: dict) -> None:
    k8s.helm.v3.Release(
        name,
        chart="ingress-nginx",
        version="4.12.1",
        repository_opts={"repo": "https://kubernetes.github.io/ingress-nginx"},
        values=values,
    )


def test_ingress_snippet_annotation() -> None:
    def body() -> None:
        _ingress("passed-1", {"nginx.ingress.kubernetes.io/limit-rpm": "600"})
        _ingress("passed-2", {"example.com/configuration-snippet": "not ingress-nginx's"})
        _ingress_nginx("passed-3", {"controller": {"allowSnippetAnnotations": False}})
        _ingress_nginx("passed-4", {"controller": {"replicaCount": 2}})
        k8s.helm.v3.Release(  # another chart's value of the same name is that chart's business
            "passed-5", chart="other", values={"controller": {"allowSnippetAnnotations": True}}
        )
        _ingress("failed-1", {"nginx.ingress.kubernetes.io/configuration-snippet": "more_set_headers x;"})
        _ingress("failed-2", {"nginx.ingress.kubernetes.io/server-snippet": "location /x {}"})
        _ingress("failed-3", {"nginx.ingress.kubernetes.io/auth-snippet": "proxy_set_header x y;"})
        _ingress_nginx("failed-4", {"controller": {"allowSnippetAnnotations": True}})
        _ingress_nginx("failed-5", {"controller": {"config": {"allow-snippet-annotations": "true"}}})
        k8s.helm.v3.Release(
            "failed-6",
            chart="ingress-nginx/ingress-nginx",
            values={"controller": {"allowSnippetAnnotations": "True"}},
        )
        # The same chart through Helm v4's Chart, or as a packaged archive, is the same controller.
        k8s.helm.v4.Chart(
            "failed-7",
            chart="oci://ghcr.io/example/charts/ingress-nginx",
            values={"controller": {"allowSnippetAnnotations": True}},
        )
        k8s.helm.v3.Release(
            "failed-8",
            chart="./vendor/ingress-nginx-4.12.1.tgz",
            values={"controller": {"allowSnippetAnnotations": True}},
        )

    found = judge(KUBERNETES_INGRESS_SNIPPET_ANNOTATION, body)
    assert "configuration-snippet" in found["failed-1"][0] and "more_set_headers" not in found["failed-1"][0]


@pytest.mark.parametrize(
    ("chart", "name"),
    [
        ("ingress-nginx", "ingress-nginx"),
        ("ingress-nginx/ingress-nginx", "ingress-nginx"),
        ("oci://ghcr.io/example/charts/ingress-nginx", "ingress-nginx"),
        ("./charts/ingress-nginx/", "ingress-nginx"),
        ("./vendor/ingress-nginx-4.12.1.tgz", "ingress-nginx"),
        ("ingress-nginx-v4.12.1-rc.1.tar.gz", "ingress-nginx"),
        ("ingress-nginx-4", "ingress-nginx-4"),  # a directory, not an archive: its name as given
        (UNKNOWN_STRING_VALUE, ""),
        (None, ""),
    ],
)
def test_chart_name(chart: object, name: str) -> None:
    assert chart_name(chart) == name


def _network_policy(name: str, **spec: object) -> None:
    k8s.networking.v1.NetworkPolicy(
        name, metadata={"namespace": "cms"}, spec={"pod_selector": {}, "policy_types": ["Ingress"], **spec}
    )


def test_networkpolicy_allow_all() -> None:
    bff = {"namespace_selector": {"match_labels": {"kubernetes.io/metadata.name": "bff"}}}

    def body() -> None:
        _network_policy("passed-1")  # the default deny itself: no rule
        _network_policy("passed-2", ingress=[{"from": [bff], "ports": [{"port": 8443}]}])
        _network_policy("passed-3", ingress=[{"ports": [{"port": 443}]}])  # any source, one port: deliberate
        _network_policy("passed-4", egress=[{"to": [{"ip_block": {"cidr": "10.20.0.0/16"}}]}])
        _network_policy("failed-1", ingress=[{}])
        _network_policy("failed-2", egress=[{}], policy_types=["Egress"])
        _network_policy(
            "failed-3", ingress=[{"from": [bff]}, {"from": [{"ip_block": {"cidr": "0.0.0.0/0"}}]}]
        )
        _network_policy("failed-4", egress=[{"to": [{"ip_block": {"cidr": "::/0"}}]}])
        _network_policy("failed-5", egress=[{"to": [{"ip_block": {"cidr": "0.0.0.0/1"}}]}])
        # Every namespace, every pod: the whole cluster may connect.
        _network_policy("failed-6", ingress=[{"from": [{"namespace_selector": {}}]}])
        _network_policy("failed-7", ingress=[{"from": [{"namespace_selector": {}, "pod_selector": {}}]}])
        _network_policy(
            "passed-5",
            ingress=[
                {"from": [{"namespace_selector": {}, "pod_selector": {"match_labels": {"app": "bff"}}}]}
            ],
        )
        _network_policy("passed-6", ingress=[{"from": [{"pod_selector": {}}]}])  # its own namespace only

    found = judge(KUBERNETES_NETWORKPOLICY_ALLOW_ALL, body)
    assert found["failed-3"][0].startswith("spec.ingress[1]")


def test_an_ipblock_unknown_during_preview_is_not_judged() -> None:
    assert not _every_peer([{"ipBlock": {"cidr": UNKNOWN_STRING_VALUE}}], 8)
    assert not _every_peer([{"namespaceSelector": {"matchLabels": UNKNOWN_STRING_VALUE}}], 8)
    assert not _every_peer([{"namespaceSelector": UNKNOWN_STRING_VALUE}], 8)
    assert _every_peer([{"ipBlock": {"cidr": "0.0.0.0/0"}}], 8)
