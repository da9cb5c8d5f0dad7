"""Who may talk to the CMS, judged over every NetworkPolicy of both plans.

No maintained NetworkPolicy evaluator exists on PyPI or npm (searched: `kube-netpol` generates and
draws policies, the Cilium and Calico tools convert them), so this is a tested model of the
Kubernetes semantics (kubernetes.io/docs/concepts/services-networking/network-policies): a pod is
isolated for a direction once any policy of its namespace selects it with that policy type; then a
connection passes only if some such policy has a rule whose peers (podSelector, namespaceSelector,
both ANDed in one peer, or ipBlock with except) and ports match. Both ends must allow: egress of the
source and ingress of the destination.
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass, field
from typing import Any

import pytest

from offline.plan import Plan, make_plan
from tests.conftest import ROOT

NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"


@dataclass(frozen=True)
class Pod:
    namespace: str
    labels: dict[str, str]
    ip: str = "10.244.0.10"


@dataclass(frozen=True)
class External:
    ip: str
    namespace: None = None
    labels: dict[str, str] = field(default_factory=dict)


def _matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """A label selector: `matchLabels` all equal, `matchExpressions` In/NotIn/Exists/DoesNotExist."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, op, values = expression["key"], expression["operator"], expression.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def _namespace_labels(namespace: str) -> dict[str, str]:
    return {"kubernetes.io/metadata.name": namespace}


def _peer_matches(peer: dict[str, Any], policy_namespace: str, other: Pod | External) -> bool:
    block = peer.get("ipBlock")
    if block is not None:
        address = ipaddress.ip_address(other.ip)
        if address not in ipaddress.ip_network(block["cidr"]):
            return False
        return not any(address in ipaddress.ip_network(e) for e in block.get("except") or [])
    if other.namespace is None:
        return False  # pod and namespace selectors select pods only
    namespaces = peer.get("namespaceSelector")
    if namespaces is None:
        in_scope = other.namespace == policy_namespace
    else:
        in_scope = _matches(namespaces, _namespace_labels(other.namespace))
    pods = peer.get("podSelector")
    return in_scope and (pods is None or _matches(pods, other.labels))


def _port_matches(ports: list[dict[str, Any]] | None, port: int, protocol: str) -> bool:
    if not ports:
        return True
    for entry in ports:
        if entry.get("protocol", "TCP") != protocol:
            continue
        if "port" not in entry:
            return True
        start = entry["port"]
        if start == port or (entry.get("endPort") and start <= port <= entry["endPort"]):
            return True
    return False


def _types(spec: dict[str, Any]) -> list[str]:
    if spec.get("policyTypes"):
        return spec["policyTypes"]
    return ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]


def _direction_allows(
    policies: list[dict[str, Any]], pod: Pod, other: Pod | External, port: int, protocol: str, direction: str
) -> bool:
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    selecting = [
        p
        for p in policies
        if p["metadata"]["namespace"] == pod.namespace
        and _matches(p["spec"].get("podSelector") or {}, pod.labels)
        and direction in _types(p["spec"])
    ]
    if not selecting:
        return True  # not isolated in this direction
    for policy in selecting:
        for rule in policy["spec"].get(key) or []:
            peers = rule.get(peers_key)
            if peers is not None and not any(
                _peer_matches(peer, policy["metadata"]["namespace"], other) for peer in peers
            ):
                continue
            if _port_matches(rule.get("ports"), port, protocol):
                return True
    return False


def allowed(
    policies: list[dict[str, Any]],
    source: Pod | External,
    target: Pod | External,
    port: int,
    protocol: str = "TCP",
) -> bool:
    """Whether `source` may open a connection to `target:port` under these policies."""
    egress = isinstance(source, External) or _direction_allows(
        policies, source, target, port, protocol, "Egress"
    )
    ingress = isinstance(target, External) or _direction_allows(
        policies, target, source, port, protocol, "Ingress"
    )
    return egress and ingress


# --- the model itself ---------------------------------------------------------------------------


def _policy(namespace: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"namespace": namespace}, "spec": spec}


A = Pod("a", {"app": "a"}, "10.0.0.1")
B = Pod("b", {"app": "b"}, "10.0.1.1")


def test_model_default_allow_then_default_deny() -> None:
    assert allowed([], A, B, 80)
    deny = _policy("b", {"podSelector": {}, "policyTypes": ["Ingress"]})
    assert not allowed([deny], A, B, 80)
    assert allowed([deny], B, A, 80), "only b is isolated"


def test_model_namespace_and_pod_selector_in_one_peer_are_anded() -> None:
    allow = _policy(
        "b",
        {
            "podSelector": {},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [
                        {
                            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "a"}},
                            "podSelector": {"matchLabels": {"app": "a"}},
                        }
                    ],
                    "ports": [{"protocol": "TCP", "port": 80}],
                }
            ],
        },
    )
    assert allowed([allow], A, B, 80)
    assert not allowed([allow], A, B, 81), "other port"
    assert not allowed([allow], Pod("a", {"app": "x"}), B, 80), "other pod of the namespace"
    assert not allowed([allow], Pod("c", {"app": "a"}), B, 80), "same labels in another namespace"


def test_model_ip_block_except_and_both_ends() -> None:
    egress = _policy(
        "a",
        {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": "10.1.0.0/16", "except": ["10.1.2.0/24"]}}]}],
        },
    )
    assert allowed([egress], A, External("10.1.1.1"), 5432)
    assert not allowed([egress], A, External("10.1.2.1"), 5432)
    assert not allowed([egress], A, B, 80), "a pod is not in an ipBlock peer"


# --- both plans ---------------------------------------------------------------------------------


@functools.cache
def _plan(stack: str) -> Plan:
    return make_plan(ROOT, stack)


def _policies(stack: str) -> list[dict[str, Any]]:
    return [r.inputs for r in _plan(stack).resources if r.type == NETWORK_POLICY]


def _cms_egress_cidrs(policies: list[dict[str, Any]]) -> list[str]:
    return [
        peer["ipBlock"]["cidr"]
        for p in policies
        if p["metadata"]["name"] == "cms-allow-database"
        for rule in p["spec"]["egress"]
        for peer in rule["to"]
    ]


CMS = Pod("cms", {"app.kubernetes.io/name": "cms"}, "10.244.1.5")
BFF = Pod("bff", {"app.kubernetes.io/name": "bff"}, "10.244.2.5")
WRITER = Pod("cms", {"app.kubernetes.io/name": "cms-writer"}, "10.244.1.9")
PROVISIONER = Pod("cms", {"app.kubernetes.io/name": "cms-provisioner"}, "10.244.1.11")
CONTROLLER = Pod(
    "ingress-nginx",
    {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"},
    "10.244.3.5",
)
OTHERS = [
    Pod("payments", {"app.kubernetes.io/name": "payments-api"}),
    Pod("orders", {"app.kubernetes.io/name": "orders-api"}),
    Pod("bff", {"app.kubernetes.io/name": "not-the-bff"}),
    Pod("cms", {"app.kubernetes.io/name": "other"}),
    Pod("external-secrets", {"app.kubernetes.io/name": "external-secrets"}),
    CONTROLLER,
    Pod("kube-system", {"k8s-app": "kube-dns"}),
    Pod("default", {}),
]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_bff_and_writer_reach_the_cms_and_nothing_else_does(stack: str) -> None:
    policies = _policies(stack)
    assert allowed(policies, BFF, CMS, 8443), "the BFF reaches the CMS"
    assert allowed(policies, WRITER, CMS, 8443), "the writer Jobs reach the CMS"
    assert allowed(policies, PROVISIONER, CMS, 8443), "the provisioning Job reaches the CMS"
    assert not allowed(policies, BFF, CMS, 8055), "Directus's own port stays closed"
    for other in OTHERS:
        for port in (8443, 8055, 443, 80):
            assert not allowed(policies, other, CMS, port), f"{other} reaches the CMS on {port}"
    assert not allowed(policies, External("203.0.113.7"), CMS, 8443), "the internet reaches the CMS"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_cms_jobs_reach_the_cms_dns_and_nothing_else(stack: str) -> None:
    policies = _policies(stack)
    dns = Pod("kube-system", {"k8s-app": "kube-dns"})
    database = External(str(next(ipaddress.ip_network(_cms_egress_cidrs(policies)[0]).hosts())))
    for job in (WRITER, PROVISIONER):
        assert allowed(policies, job, dns, 53, "UDP"), f"{job.labels} resolves the CMS Service"
        assert not allowed(policies, job, database, 5432), f"{job.labels} reaches the CMS's database"
        assert not allowed(policies, job, External("203.0.113.7"), 443), f"{job.labels} reaches the internet"
        assert not allowed(policies, job, BFF, 8080), f"{job.labels} reaches the BFF"
        for other in OTHERS[:2]:
            assert not allowed(policies, job, other, 8080), f"{job.labels} reaches {other}"
        assert not allowed(policies, BFF, job, 8443), "nothing connects to a Job"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_cms_reaches_only_its_database(stack: str) -> None:
    policies = _policies(stack)
    cidrs = _cms_egress_cidrs(policies)
    assert cidrs, "the CMS has a database egress"
    database = External(str(next(ipaddress.ip_network(cidrs[0]).hosts())))
    assert allowed(policies, CMS, database, 5432)
    assert not allowed(policies, CMS, database, 443)
    assert not allowed(policies, CMS, External("203.0.113.7"), 443), "the CMS reaches the internet"
    assert not allowed(policies, CMS, BFF, 8080)
    for other in OTHERS[:2]:
        assert not allowed(policies, CMS, other, 8080), f"the CMS reaches {other}"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_bff_reaches_only_the_cms_dns_and_its_issuer(stack: str) -> None:
    policies = _policies(stack)
    issuer = {"dev": "192.0.2.10", "prod": "198.51.100.70"}[stack]
    assert allowed(policies, BFF, Pod("kube-system", {"k8s-app": "kube-dns"}), 53, "UDP")
    assert allowed(policies, BFF, External(issuer), 443)
    assert not allowed(policies, BFF, External(issuer), 80)
    assert not allowed(policies, BFF, External("203.0.113.7"), 443), "anywhere else on the internet"
    for other in OTHERS[:2]:
        assert not allowed(policies, BFF, other, 8080), f"the BFF reaches {other}"
    assert allowed(policies, CONTROLLER, BFF, 8080), "the ingress controller reaches the BFF"
    assert not allowed(policies, OTHERS[0], BFF, 8080), "a workload reaches the BFF"
