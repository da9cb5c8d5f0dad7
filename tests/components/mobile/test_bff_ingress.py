"""The BFF Ingress the platform declares: TLS for the hostname, rate limit and allow-list at the edge."""

from __future__ import annotations

from components.mobile.bff_ingress import (
    ALLOW_LIST,
    RATE_LIMIT,
    BffIngress,
    BffIngressArgs,
    ingress_annotations,
)
from config.models import BffConfig
from offline.mocks import PlanMocks
from offline.runtime import Capture, run_program

BFF = BffConfig.model_validate(
    {
        "hostname": "bff.example.com",
        "tlsSecret": "bff-tls",
        "oauthIssuer": "https://auth.example.com/",
        "oauthAudience": "apps",
        "allowedCidrs": ["198.51.100.0/24", "203.0.113.0/24"],
        "rateLimitPerMinute": 120,
    }
)


def _ingress(bff: BffConfig = BFF) -> Capture:
    def body() -> None:
        BffIngress(
            "edge",
            BffIngressArgs(
                bff=bff,
                namespace="bff",
                service_name="bff",
                tls_secret_name="bff-tls-v3",
                backend_ca_secret="bff-edge-tls",
            ),
        )

    return run_program(
        body,
        project="secrets-platform",
        stack="t",
        config={},
        secret_keys=[],
        plan_mocks=PlanMocks("eu-west-1", "feedbeef"),
    )


def test_ingress_serves_the_hostname_over_tls_with_the_versioned_secret() -> None:
    ingress = next(r for r in _ingress().resources if r.type == "kubernetes:networking.k8s.io/v1:Ingress")
    spec = ingress.inputs["spec"]
    assert spec["tls"] == [{"hosts": ["bff.example.com"], "secretName": "bff-tls-v3"}], ingress.urn
    assert [rule["host"] for rule in spec["rules"]] == ["bff.example.com"], ingress.urn
    backend = spec["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "bff", "port": {"name": "https"}}, ingress.urn
    assert ingress.inputs["metadata"]["labels"]["app.kubernetes.io/name"] == "bff", ingress.urn


def test_edge_controls_come_from_the_stack() -> None:
    annotations = ingress_annotations(BFF)
    assert annotations[RATE_LIMIT] == "120"
    assert annotations[ALLOW_LIST] == "198.51.100.0/24,203.0.113.0/24"
    assert annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"


def test_a_different_rate_limit_changes_only_the_annotation() -> None:
    stricter = BFF.model_copy(update={"rate_limit_per_minute": 30})
    ingress = next(
        r for r in _ingress(stricter).resources if r.type == "kubernetes:networking.k8s.io/v1:Ingress"
    )
    assert ingress.inputs["metadata"]["annotations"][RATE_LIMIT] == "30", ingress.urn
