"""Transport policies: TLS on every Ingress host, rate limit and allow-list on the BFF ingress."""

from __future__ import annotations

import pulumi_azure_native as azure_native
import pulumi_kubernetes as k8s
import pulumi_vault as vault
from pulumi_policy.proxy import UNKNOWN_ARRAY_VALUE, UNKNOWN_OBJECT_VALUE

from offline.runtime import Registration
from policies.transport import (
    AZURE_KEYVAULT_VAULT_NETWORK_ACLS,
    KUBERNETES_CMS_EXPOSURE,
    KUBERNETES_INGRESS_BFF_BACKEND_TLS,
    KUBERNETES_INGRESS_BFF_RATE_LIMIT,
    KUBERNETES_INGRESS_BFF_SOURCE_RANGE,
    KUBERNETES_INGRESS_TLS,
    KUBERNETES_SECRETSTORE_ENDPOINT_TLS,
    host_covered,
)
from tests.policies.conftest import judge, resource_args

BFF = {"app.kubernetes.io/name": "bff"}
RATE = {"nginx.ingress.kubernetes.io/limit-rpm": "600"}
RANGE = {"nginx.ingress.kubernetes.io/whitelist-source-range": "0.0.0.0/0"}
BACKEND = {"service": {"name": "bff", "port": {"number": 80}}}


def _ingress(
    name: str,
    hosts: list[str | None],
    tls: list[dict] | None,
    labels: dict | None = None,
    annotations: dict | None = None,
) -> None:
    rules = [
        {
            **({"host": h} if h else {}),
            "http": {"paths": [{"path": "/", "path_type": "Prefix", "backend": BACKEND}]},
        }
        for h in hosts
    ]
    k8s.networking.v1.Ingress(
        name,
        metadata={"namespace": "bff", "labels": labels or {}, "annotations": annotations or {}},
        spec={"ingress_class_name": "nginx", "rules": rules, "tls": tls},
    )


def test_ingress_tls() -> None:
    def body() -> None:
        _ingress(
            "passed-1", ["bff.example.com"], [{"hosts": ["bff.example.com"], "secret_name": "bff-tls-v1"}]
        )
        _ingress(
            "passed-2", ["a.example.com", "b.example.com"], [{"hosts": ["*.example.com"], "secret_name": "w"}]
        )
        _ingress("failed-1", ["bff.example.com"], None)
        _ingress(
            "failed-2",
            ["bff.example.com", "admin.example.com"],
            [{"hosts": ["bff.example.com"], "secret_name": "t"}],
        )
        _ingress("failed-3", [None], [{"hosts": ["bff.example.com"], "secret_name": "t"}])
        _ingress("failed-4", ["bff.example.com"], [{"hosts": ["bff.example.com"]}])
        _ingress("failed-5", ["a.b.example.com"], [{"hosts": ["*.example.com"], "secret_name": "w"}])

    judge(KUBERNETES_INGRESS_TLS, body)


def test_host_covered_by_one_label_wildcard_only() -> None:
    assert host_covered("bff.example.com", ["*.example.com"])
    assert not host_covered("example.com", ["*.example.com"])
    assert not host_covered("x.bff.example.com", ["*.example.com"])


TLS = [{"hosts": ["bff.example.com"], "secret_name": "bff-tls-v1"}]


def test_bff_rate_limit() -> None:
    def body() -> None:
        _ingress("passed-1", ["bff.example.com"], TLS, BFF, {**RATE, **RANGE})
        _ingress(
            "passed-2", ["cms.example.com"], TLS, {"app.kubernetes.io/name": "cms"}, RANGE
        )  # not the BFF
        _ingress("failed-1", ["bff.example.com"], TLS, BFF, RANGE)
        _ingress(
            "failed-2", ["bff.example.com"], TLS, BFF, {"nginx.ingress.kubernetes.io/limit-rpm": "0", **RANGE}
        )

    judge(KUBERNETES_INGRESS_BFF_RATE_LIMIT, body)


def test_bff_source_range() -> None:
    def body() -> None:
        _ingress("passed-1", ["bff.example.com"], TLS, BFF, {**RATE, **RANGE})
        _ingress(
            "passed-2",
            ["bff.example.com"],
            TLS,
            BFF,
            {**RATE, "nginx.ingress.kubernetes.io/allowlist-source-range": "203.0.113.0/24, 198.51.100.0/24"},
        )
        _ingress("failed-1", ["bff.example.com"], TLS, BFF, RATE)
        _ingress(
            "failed-2",
            ["bff.example.com"],
            TLS,
            BFF,
            {**RATE, "nginx.ingress.kubernetes.io/whitelist-source-range": "x"},
        )

    judge(KUBERNETES_INGRESS_BFF_SOURCE_RANGE, body)


def test_bff_source_range_within_configured_networks() -> None:
    def body() -> None:
        _ingress(
            "passed-1",
            ["bff.example.com"],
            TLS,
            BFF,
            {**RATE, "nginx.ingress.kubernetes.io/whitelist-source-range": "203.0.113.0/25"},
        )
        _ingress("failed-1", ["bff.example.com"], TLS, BFF, {**RATE, **RANGE})

    judge(KUBERNETES_INGRESS_BFF_SOURCE_RANGE, body, {"allowedCidrs": ["203.0.113.0/24"]})


def test_unknown_hosts_and_annotations_are_not_judged_during_preview() -> None:
    def ingress(spec: dict, metadata: dict) -> Registration:
        return Registration(
            type="kubernetes:networking.k8s.io/v1:Ingress",
            name="bff",
            urn="urn:pulumi:t::p::kubernetes:networking.k8s.io/v1:Ingress::bff",
            parent="",
            custom=True,
            provider="",
            inputs={"metadata": metadata, "spec": spec},
            secret_paths=[],
            unknown_paths=[],
            options={},
            dependencies=[],
            property_dependencies={},
        )

    spec = {
        "rules": [{"host": "bff.example.com"}],
        "tls": [{"hosts": UNKNOWN_ARRAY_VALUE, "secretName": "t"}],
    }
    metadata = {"labels": BFF, "annotations": UNKNOWN_OBJECT_VALUE}
    reg = ingress(spec, metadata)
    for policy in (
        KUBERNETES_INGRESS_TLS,
        KUBERNETES_INGRESS_BFF_RATE_LIMIT,
        KUBERNETES_INGRESS_BFF_SOURCE_RANGE,
        KUBERNETES_INGRESS_BFF_BACKEND_TLS,
        KUBERNETES_CMS_EXPOSURE,
    ):
        messages: list[str] = []
        policy.validate(resource_args(reg), lambda m, urn=None, out=messages: out.append(m))
        assert messages == [], f"{policy.name} judged unknown values of ingress bff: {messages}"


HTTPS_BACKEND = {"nginx.ingress.kubernetes.io/backend-protocol": "HTTPS"}


def test_bff_backend_tls() -> None:
    def body() -> None:
        _ingress("passed-1", ["bff.example.com"], TLS, BFF, {**RATE, **RANGE, **HTTPS_BACKEND})
        _ingress(
            "passed-2",
            ["bff.example.com"],
            TLS,
            BFF,
            {**RATE, **RANGE, "nginx.ingress.kubernetes.io/ssl-passthrough": "true"},
        )
        _ingress(
            "passed-3", ["cms.example.com"], TLS, {"app.kubernetes.io/name": "other"}, RANGE
        )  # not the BFF
        _ingress("failed-1", ["bff.example.com"], TLS, BFF, {**RATE, **RANGE})
        _ingress(
            "failed-2",
            ["bff.example.com"],
            TLS,
            BFF,
            {**RATE, **RANGE, "nginx.ingress.kubernetes.io/backend-protocol": "HTTP"},
        )

    judge(KUBERNETES_INGRESS_BFF_BACKEND_TLS, body)


def _service(name: str, service_type: str, selector: dict, namespace: str = "cms") -> None:
    k8s.core.v1.Service(
        name,
        metadata={"namespace": namespace},
        spec={"type": service_type, "selector": selector, "ports": [{"port": 443, "target_port": 8443}]},
    )


def test_cms_exposure() -> None:
    cms = {"app.kubernetes.io/name": "cms"}

    def body() -> None:
        _service("passed-1", "ClusterIP", cms)
        _service("passed-2", "LoadBalancer", {"app.kubernetes.io/name": "bff"}, namespace="bff")
        _ingress(
            "passed-3", ["bff.example.com"], TLS, BFF, {**RATE, **RANGE}
        )  # another namespace, not the CMS
        _service("failed-1", "LoadBalancer", cms)
        _service("failed-2", "NodePort", cms, namespace="default")
        _service("failed-3", "NodePort", {"app": "anything"})  # in the CMS namespace
        k8s.networking.v1.Ingress(
            "failed-4",
            metadata={"namespace": "cms"},
            spec={"ingress_class_name": "nginx", "tls": TLS, "rules": [{"host": "bff.example.com"}]},
        )

    judge(KUBERNETES_CMS_EXPOSURE, body)


def _vault(name: str, **properties: object) -> None:
    azure_native.keyvault.Vault(
        name,
        resource_group_name="rg",
        properties={"tenant_id": "t", "sku": {"family": "A", "name": "standard"}, **properties},
    )


def test_keyvault_vault_network_acls() -> None:
    deny = {"default_action": "Deny", "bypass": "AzureServices"}

    def body() -> None:
        _vault(
            "passed-1",
            network_acls={**deny, "ip_rules": [{"value": "198.51.100.0/24"}, {"value": "203.0.113.7"}]},
        )
        _vault("passed-2", public_network_access="Disabled")
        _vault("failed-1")
        _vault("failed-2", network_acls={"default_action": "Allow"})
        _vault("failed-3", network_acls={**deny, "ip_rules": [{"value": "0.0.0.0/0"}]})
        _vault(
            "failed-4",
            network_acls={**deny, "ip_rules": [{"value": "198.51.100.0/24"}, {"value": "10.0.0.0/8"}]},
        )
        _vault("failed-5", network_acls={**deny, "ip_rules": [{"value": "anywhere"}]})

    judge(AZURE_KEYVAULT_VAULT_NETWORK_ACLS, body)


def _store(name: str, provider: dict, kind: str = "SecretStore") -> None:
    k8s.apiextensions.CustomResource(
        name,
        api_version="external-secrets.io/v1",
        kind=kind,
        metadata={"name": name, "namespace": "orders"},
        spec={"provider": provider},
    )


def test_secret_stores_are_reached_over_verified_tls() -> None:
    jwt = {"jwt": {"path": "jwt", "role": "r"}}

    def body() -> None:
        _store("passed-1", {"vault": {"server": "https://vault.example.com", "path": "kv", "auth": jwt}})
        _store("passed-2", {"aws": {"service": "SecretsManager", "region": "eu-west-1"}})
        vault.Provider("passed-3", address="https://vault.example.com", skip_tls_verify=False)
        _store("failed-1", {"vault": {"server": "http://vault.example.com:8200", "path": "kv", "auth": jwt}})
        _store("failed-2", {"webhook": {"url": "HTTP://collector.example.com/{{ .remoteRef.key }}"}})
        _store(
            "failed-3", {"kubernetes": {"server": {"url": "http://10.0.0.1:6443"}}}, kind="ClusterSecretStore"
        )
        vault.Provider("failed-4", address="http://vault.example.com:8200")
        vault.Provider("failed-5", address="https://vault.example.com", skip_tls_verify=True)

    found = judge(KUBERNETES_SECRETSTORE_ENDPOINT_TLS, body)
    assert "spec.provider.webhook.url" in found["failed-2"][0] and "collector" not in found["failed-2"][0]
    assert "spec.provider.kubernetes.server.url" in found["failed-3"][0]


def test_any_plain_http_address_of_a_store_is_caught_whatever_the_provider_calls_it() -> None:
    def body() -> None:
        _store(
            "passed-1", {"onepassword": {"connectHost": "https://connect.example.com", "vaults": {"ops": 1}}}
        )
        _store(
            "failed-1", {"onepassword": {"connectHost": "http://connect.example.com", "vaults": {"ops": 1}}}
        )

    found = judge(KUBERNETES_SECRETSTORE_ENDPOINT_TLS, body)
    assert "spec.provider.onepassword.connectHost" in found["failed-1"][0]
