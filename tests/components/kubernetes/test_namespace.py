"""IsolatedNamespace: PSA `restricted`, default deny, DNS, one ServiceAccount per workload, explicit allows."""

from __future__ import annotations

import dataclasses
from typing import Any

from components.kubernetes.namespace import (
    IsolatedNamespace,
    NamespaceArgs,
    ServiceAccountSpec,
    check_namespace_args,
    namespace_args,
)
from offline.runtime import Capture
from tests.components._support import by_name, of_type, refused, run, stack_config

POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"


def _orders_reach_payments(raw: dict[str, Any]) -> None:
    _workload(raw, "payments-api")["allowFrom"] = ["orders-api"]


def _args(**changes: Any) -> NamespaceArgs:
    """The happy path: the dev stack's payments namespace (payments-api allows orders-api), with one change."""
    args = next(a for a in namespace_args(stack_config(_orders_reach_payments)) if a.namespace == "payments")
    return dataclasses.replace(args, **changes)


def _declare(args: NamespaceArgs) -> Capture:
    return run(lambda: IsolatedNamespace("ns", args))


def _workload(raw: dict[str, Any], name: str) -> dict[str, Any]:
    return next(w for w in raw["workloads"] if w["name"] == name)


def _policy(capture: Capture, name: str) -> dict[str, Any]:
    return by_name(capture, f"ns-{name}").inputs


# --- the derivation from a stack (pure) -------------------------------------------------------


def test_every_workload_platform_and_secret_namespace_is_declared_once() -> None:
    names = [a.namespace for a in namespace_args(stack_config())]
    assert names == ["payments", "orders", "bff", "cms"]


def test_allow_from_opens_ingress_to_the_workload_and_egress_from_the_peer() -> None:
    by_ns = {a.namespace: a for a in namespace_args(stack_config(_orders_reach_payments))}
    payments = by_ns["payments"].traffic[0]
    assert payments.app == "payments-api" and payments.port == 8080
    assert [(g.app, g.namespace) for g in payments.allow_from] == [("orders-api", "orders")]
    orders = by_ns["orders"].traffic[0]
    assert [(c.peer.app, c.peer.namespace, c.port) for c in orders.egress_to] == [
        ("payments-api", "payments", 8080)
    ]
    assert by_ns["bff"].service_accounts == (), "the BFF's own ServiceAccount belongs to its chart"


def test_the_mobile_path_is_fixed_bff_to_cms_only() -> None:
    by_ns = {a.namespace: a for a in namespace_args(stack_config())}
    bff = by_ns["bff"].traffic[0]
    assert [(g.app, g.namespace) for g in bff.allow_from] == [("ingress-nginx", "ingress-nginx")]
    assert [(c.peer.app, c.peer.namespace, c.port) for c in bff.egress_to] == [("cms", "cms", 8443)]
    assert bff.egress_cidrs == ("192.0.2.0/24",) and bff.egress_cidr_ports == (443,), "only the issuer"
    cms = {t.app: t for t in by_ns["cms"].traffic}
    assert [(g.app, g.namespace) for g in cms["cms"].allow_from] == [
        ("bff", "bff"),
        ("cms-writer", "cms"),
        ("cms-provisioner", "cms"),
    ]
    assert cms["cms"].egress_to == () and cms["cms"].egress_cidrs == (), (
        "its database egress is the CMS's own"
    )
    for job in ("cms-writer", "cms-provisioner"):
        assert [(c.peer.app, c.port) for c in cms[job].egress_to] == [("cms", 8443)], job
        assert cms[job].allow_from == () and cms[job].egress_cidrs == (), f"{job} reaches only the CMS"


def test_disabled_cms_gets_no_namespace_and_the_bff_reaches_nothing_in_the_cluster() -> None:
    def mutate(raw: dict[str, Any]) -> None:
        raw["cms"] = {"enabled": False}
        raw["secrets"] = [
            s for s in raw["secrets"] if not s.get("mobile") and not s["name"].startswith("cms-")
        ]
        for app in raw["apps"]:
            app["secrets"] = []

    by_ns = {a.namespace: a for a in namespace_args(stack_config(mutate))}
    assert "cms" not in by_ns
    assert by_ns["bff"].traffic[0].egress_to == ()


def test_a_secret_namespace_without_workloads_is_declared() -> None:
    def mutate(raw: dict[str, Any]) -> None:
        raw["secrets"].append(
            {"name": "shared-key", "source": "generated", "keys": ["k"], "namespace": "shared"}
        )

    shared = [a for a in namespace_args(stack_config(mutate)) if a.namespace == "shared"]
    assert len(shared) == 1 and shared[0].service_accounts == () and shared[0].traffic == ()


def test_contradictory_arguments_are_listed() -> None:
    args = _args(
        kubernetes_version="latest",
        service_accounts=(ServiceAccountSpec(name="a"), ServiceAccountSpec(name="a")),
        traffic=(dataclasses.replace(_args().traffic[0], port=None),),
    )
    assert check_namespace_args(args) == [
        "kubernetes_version 'latest' is not a minor version like 1.31",
        "ServiceAccount 'a' is declared twice",
        "'payments-api' allows ingress from other workloads but has no port",
    ]


# --- the declared objects (mock runtime) ----------------------------------------------------------


def test_namespace_enforces_restricted_pod_security_pinned_to_the_cluster_version() -> None:
    namespace = by_name(_declare(_args()), "ns-namespace")
    labels = namespace.inputs["metadata"]["labels"]
    psa = {k: v for k, v in labels.items() if k.startswith("pod-security.kubernetes.io/")}
    assert psa == {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "v1.31",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": "v1.31",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": "v1.31",
    }, f"{namespace.urn}: PSA labels"
    assert namespace.inputs["metadata"]["name"] == "payments", namespace.urn


def test_default_deny_covers_every_pod_both_ways() -> None:
    capture = _declare(_args())
    deny = _policy(capture, "default-deny")
    assert deny["metadata"] == {
        "name": "default-deny",
        "namespace": "payments",
        "labels": {"app.kubernetes.io/managed-by": "secrets-platform"},
    }
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}, "ns-default-deny"
    assert len(of_type(capture, POLICY)) == 3, "deny, DNS, and the workload's allow"


def test_dns_egress_reaches_only_coredns_in_kube_system() -> None:
    dns = _policy(_declare(_args()), "allow-dns")["spec"]
    assert dns == {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [
            {
                "to": [
                    {
                        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                    }
                ],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
            }
        ],
    }, "ns-allow-dns"


def test_workload_accepts_only_its_configured_peers_on_its_port() -> None:
    allow = _policy(_declare(_args()), "payments-api-allow")["spec"]
    assert allow == {
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "payments-api"}},
        "policyTypes": ["Ingress"],
        "ingress": [
            {
                "from": [
                    {
                        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "orders"}},
                        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "orders-api"}},
                    }
                ],
                "ports": [{"protocol": "TCP", "port": 8080}],
            }
        ],
    }, "ns-payments-api-allow"


def test_egress_cidrs_are_allowed_only_for_their_workload() -> None:
    traffic = dataclasses.replace(_args().traffic[0], egress_cidrs=("10.20.0.0/16",))
    allow = _policy(_declare(_args(traffic=(traffic,))), "payments-api-allow")["spec"]
    assert allow["policyTypes"] == ["Ingress", "Egress"], "ns-payments-api-allow"
    assert allow["egress"] == [{"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}]}], "ns-payments-api-allow"


def test_a_workload_nobody_may_reach_gets_no_allow_policy() -> None:
    traffic = dataclasses.replace(_args().traffic[0], allow_from=())
    capture = _declare(_args(traffic=(traffic,)))
    assert [r.name for r in of_type(capture, POLICY)] == ["ns-allow-dns", "ns-default-deny"]


def test_service_account_mounts_no_token_by_default() -> None:
    account = by_name(_declare(_args()), "ns-payments-api-sa")
    assert account.inputs["automountServiceAccountToken"] is False, f"{account.urn}: no token"
    assert account.inputs["metadata"]["name"] == "payments-api", account.urn
    assert account.inputs["metadata"]["namespace"] == "payments", account.urn


def test_service_account_of_an_api_client_mounts_its_token() -> None:
    def mutate(raw: dict[str, Any]) -> None:
        _workload(raw, "payments-api")["needsKubernetesApi"] = True

    args = next(a for a in namespace_args(stack_config(mutate)) if a.namespace == "payments")
    account = by_name(_declare(args), "ns-payments-api-sa")
    assert account.inputs["automountServiceAccountToken"] is True, f"{account.urn}: token for the API"


def test_contradictory_arguments_declare_nothing() -> None:
    args = _args(service_accounts=(ServiceAccountSpec(name="a"), ServiceAccountSpec(name="a")))
    message, capture = refused(lambda: IsolatedNamespace("ns", args))
    assert message == "namespace 'payments': ServiceAccount 'a' is declared twice"
    assert capture.resources == [], "nothing is declared for refused arguments"
