"""An isolated namespace: Pod Security Admission `restricted`, default-deny traffic, one ServiceAccount
per workload, and only the connections the stack config allows.

`namespace_args()` turns a stack into one `NamespaceArgs` per namespace, as a pure function: every
workload's namespace, the BFF's and the CMS's, and every namespace a catalogue Secret lives in. An
`allow_from` entry opens two doors, because both namespaces deny by default: ingress to the
workload from the peer's pods, and egress from the peer's pods to the workload.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.conventions import (
    APP_LABEL,
    BFF_APP,
    BFF_PORT,
    CMS_APP,
    CMS_PORT,
    CMS_PROVISIONER_APP,
    CMS_WRITER_APP,
    HTTPS_PORT,
    INGRESS_APP,
    INGRESS_NAMESPACE,
    MANAGED_BY,
    NAMESPACE_NAME_LABEL,
    POD_SECURITY_LEVEL,
)
from config.models import StackConfig
from config.patterns import KUBERNETES_MINOR

DNS_NAMESPACE = "kube-system"
DNS_POD_LABELS = {"k8s-app": "kube-dns"}
"""CoreDNS pods on EKS and AKS carry `k8s-app: kube-dns` (the add-on's upstream manifests)."""

DNS_PORTS = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
"""DNS over UDP, and TCP for truncated answers (RFC 7766)."""


@dataclass(frozen=True, kw_only=True)
class PodGroup:
    """The pods of one workload, as a NetworkPolicy peer selects them."""

    app: str
    """Value of the `app.kubernetes.io/name` label."""
    namespace: str
    """Namespace the pods run in."""


@dataclass(frozen=True, kw_only=True)
class Connection:
    """Traffic from one workload's pods to another's, on one TCP port."""

    peer: PodGroup
    """The other end of the connection."""
    port: int
    """TCP port of the receiving workload."""


@dataclass(frozen=True, kw_only=True)
class AppTraffic:
    """What one workload's pods may send and receive beyond DNS."""

    app: str
    """Value of the `app.kubernetes.io/name` label of the workload's pods."""
    port: int | None = None
    """Port the workload serves; required when `allow_from` is not empty."""
    allow_from: tuple[PodGroup, ...] = ()
    """Pods allowed to connect to `port`."""
    egress_to: tuple[Connection, ...] = ()
    """Workloads these pods may connect to (each allows them in return)."""
    egress_cidrs: tuple[str, ...] = ()
    """Networks outside the cluster these pods may reach."""
    egress_cidr_ports: tuple[int, ...] = ()
    """TCP ports of `egress_cidrs`; empty: any port."""


@dataclass(frozen=True, kw_only=True)
class ServiceAccountSpec:
    """A workload's identity in the cluster."""

    name: str
    """ServiceAccount name (the workload's name)."""
    automount_token: bool = False
    """Mount an API token into pods; only for workloads that call the Kubernetes API."""


@dataclass(frozen=True, kw_only=True)
class NamespaceArgs:
    namespace: str
    """Namespace name."""
    kubernetes_version: str
    """Cluster minor version (`1.31`): Pod Security Admission policies are pinned to it."""
    service_accounts: tuple[ServiceAccountSpec, ...] = ()
    """One per workload of this namespace."""
    traffic: tuple[AppTraffic, ...] = ()
    """Allowed connections, per workload of this namespace."""


def check_namespace_args(args: NamespaceArgs) -> list[str]:
    """Why these arguments cannot make a namespace (empty when they can); pure, tested without mocks."""
    problems = []
    if not KUBERNETES_MINOR.match(args.kubernetes_version):
        problems.append(f"kubernetes_version {args.kubernetes_version!r} is not a minor version like 1.31")
    accounts = [sa.name for sa in args.service_accounts]
    problems += [
        f"ServiceAccount {n!r} is declared twice" for n in sorted(set(accounts)) if accounts.count(n) > 1
    ]
    apps = [t.app for t in args.traffic]
    problems += [f"traffic of {a!r} is declared twice" for a in sorted(set(apps)) if apps.count(a) > 1]
    for t in args.traffic:
        if t.allow_from and t.port is None:
            problems.append(f"{t.app!r} allows ingress from other workloads but has no port")
        for cidr in t.egress_cidrs:
            try:
                ipaddress.ip_network(cidr, strict=True)
            except ValueError:
                problems.append(f"egress CIDR {cidr!r} of {t.app!r} is not a network in CIDR form")
    return problems


def pod_security_labels(kubernetes_version: str) -> dict[str, str]:
    """PSA labels: enforce, audit and warn `restricted`, each pinned to the cluster's version so a
    control-plane upgrade cannot tighten or loosen the policy unannounced."""
    labels = {}
    for mode in ("enforce", "audit", "warn"):
        labels[f"pod-security.kubernetes.io/{mode}"] = POD_SECURITY_LEVEL
        labels[f"pod-security.kubernetes.io/{mode}-version"] = f"v{kubernetes_version}"
    return labels


def namespace_args(stack: StackConfig) -> list[NamespaceArgs]:
    """Every namespace the stack needs, with its ServiceAccounts and allowed traffic, in a stable order.

    The mobile path is fixed: the ingress controller may reach the BFF; the BFF may reach only the CMS
    (and DNS, and its issuer's networks on 443); the CMS admits only the BFF, the writer Jobs and the
    provisioning Jobs, which reach nothing else.
    """
    groups = {w.name: PodGroup(app=w.name, namespace=w.namespace_name) for w in stack.workloads}
    ports: dict[str, int | None] = {w.name: w.port for w in stack.workloads}
    # The platform's own workloads (config/references/ BUILT_IN_WORKLOADS), when deployed.
    groups[BFF_APP] = PodGroup(app=BFF_APP, namespace=stack.bff.namespace)
    ports[BFF_APP] = BFF_PORT
    allow_from: dict[str, list[PodGroup]] = {app: [] for app in groups}
    egress_to: dict[str, list[Connection]] = {app: [] for app in groups}
    allow_from[BFF_APP].append(PodGroup(app=INGRESS_APP, namespace=INGRESS_NAMESPACE))
    if stack.cms.enabled:
        cms = PodGroup(app=CMS_APP, namespace=stack.cms.namespace)
        writer = PodGroup(app=CMS_WRITER_APP, namespace=stack.cms.namespace)
        provisioner = PodGroup(app=CMS_PROVISIONER_APP, namespace=stack.cms.namespace)
        groups[CMS_APP], groups[CMS_WRITER_APP], groups[CMS_PROVISIONER_APP] = cms, writer, provisioner
        ports[CMS_APP] = CMS_PORT
        allow_from[CMS_APP] = [groups[BFF_APP], writer, provisioner]
        egress_to[CMS_APP] = []
        egress_to[BFF_APP].append(Connection(peer=cms, port=CMS_PORT))
        for job in (CMS_WRITER_APP, CMS_PROVISIONER_APP):
            allow_from[job] = []
            egress_to[job] = [Connection(peer=cms, port=CMS_PORT)]
    for workload in stack.workloads:
        for peer in workload.allow_from:
            if peer not in groups or peer in (BFF_APP, CMS_APP, CMS_WRITER_APP, CMS_PROVISIONER_APP):
                continue  # config refuses the platform's own workloads as peers
            allow_from[workload.name].append(groups[peer])
            egress_to[peer].append(Connection(peer=groups[workload.name], port=workload.port))
    cidrs: dict[str, tuple[str, ...]] = {w.name: tuple(w.allow_egress_cidrs) for w in stack.workloads}
    cidrs[BFF_APP] = tuple(stack.bff.issuer_cidrs)
    cidr_ports = {BFF_APP: (HTTPS_PORT,)}

    names: list[str] = []
    for ns in [
        *(g.namespace for g in groups.values()),
        *(stack.secret_namespace(entry) for entry in stack.secrets),
    ]:
        if ns not in names:
            names.append(ns)

    return [
        NamespaceArgs(
            namespace=ns,
            kubernetes_version=stack.cluster.kubernetes_version,
            service_accounts=tuple(
                ServiceAccountSpec(name=w.name, automount_token=w.needs_kubernetes_api)
                for w in stack.workloads
                if w.namespace_name == ns
            ),
            traffic=tuple(
                AppTraffic(
                    app=app,
                    port=ports.get(app),
                    allow_from=tuple(allow_from[app]),
                    egress_to=tuple(egress_to[app]),
                    egress_cidrs=cidrs.get(app, ()),
                    egress_cidr_ports=cidr_ports.get(app, ()),
                )
                for app, group in groups.items()
                if group.namespace == ns
            ),
        )
        for ns in names
    ]


def _peer(namespace: str, pod_labels: dict[str, str]) -> dict[str, object]:
    """A NetworkPolicy peer: pods with these labels in exactly one namespace."""
    return {
        "namespace_selector": {"match_labels": {NAMESPACE_NAME_LABEL: namespace}},
        "pod_selector": {"match_labels": pod_labels},
    }


def _app_peer(group: PodGroup) -> dict[str, object]:
    return _peer(group.namespace, {APP_LABEL: group.app})


def _traffic_spec(traffic: AppTraffic) -> dict[str, object] | None:
    """The allow policy of one workload, or None when it may talk to nothing but DNS."""
    spec: dict[str, object] = {"pod_selector": {"match_labels": {APP_LABEL: traffic.app}}}
    types = []
    if traffic.allow_from:
        types.append("Ingress")
        spec["ingress"] = [
            {
                "from": [_app_peer(g) for g in traffic.allow_from],
                "ports": [{"protocol": "TCP", "port": traffic.port}],
            }
        ]
    egress = [
        {"to": [_app_peer(c.peer)], "ports": [{"protocol": "TCP", "port": c.port}]} for c in traffic.egress_to
    ]
    if traffic.egress_cidrs:
        rule: dict[str, object] = {"to": [{"ip_block": {"cidr": cidr}} for cidr in traffic.egress_cidrs]}
        if traffic.egress_cidr_ports:
            rule["ports"] = [{"protocol": "TCP", "port": port} for port in traffic.egress_cidr_ports]
        egress.append(rule)
    if egress:
        types.append("Egress")
        spec["egress"] = egress
    if not types:
        return None
    spec["policy_types"] = types
    return spec


class IsolatedNamespace(pulumi.ComponentResource):
    """A namespace where only `restricted` pods run and only configured traffic flows.

    Declares the Namespace with Pod Security Admission labels, a default-deny NetworkPolicy for
    ingress and egress (policies are additive: once a pod is selected, a connection passes only
    if some policy allows it), a DNS egress allow to CoreDNS, one ServiceAccount per workload (token automount off
    unless the workload calls the API), and one allow policy per workload with explicit peers.
    """

    namespace_name: pulumi.Output[str]
    """Name of the namespace."""
    service_account_names: dict[str, pulumi.Output[str]]
    """Workload name -> name of its ServiceAccount."""
    namespace: k8s.core.v1.Namespace
    """The Namespace itself, for `depends_on` of objects placed in it."""

    def __init__(self, name: str, args: NamespaceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        problems = check_namespace_args(args)
        if problems:
            raise ValueError(f"namespace {args.namespace!r}: " + "; ".join(problems))
        super().__init__("secrets-platform:namespace:IsolatedNamespace", name, None, opts)
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata={
                "name": args.namespace,
                "labels": {**MANAGED_BY, **pod_security_labels(args.kubernetes_version)},
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        owned = pulumi.ResourceOptions(parent=namespace)
        ns = namespace.metadata.name
        network_policy(
            f"{name}-default-deny",
            ns,
            "default-deny",
            {"pod_selector": {}, "policy_types": ["Ingress", "Egress"]},
            owned,
        )
        network_policy(
            f"{name}-allow-dns",
            ns,
            "allow-dns",
            {
                "pod_selector": {},
                "policy_types": ["Egress"],
                "egress": [
                    {
                        "to": [_peer(DNS_NAMESPACE, DNS_POD_LABELS)],
                        "ports": DNS_PORTS,
                    }
                ],
            },
            owned,
        )
        for traffic in args.traffic:
            spec = _traffic_spec(traffic)
            if spec is not None:
                network_policy(f"{name}-{traffic.app}-allow", ns, f"{traffic.app}-allow", spec, owned)
        accounts = {
            sa.name: k8s.core.v1.ServiceAccount(
                f"{name}-{sa.name}-sa",
                metadata={"name": sa.name, "namespace": ns, "labels": {**MANAGED_BY, APP_LABEL: sa.name}},
                automount_service_account_token=sa.automount_token,
                opts=owned,
            )
            for sa in args.service_accounts
        }
        self.namespace = namespace
        self.namespace_name = ns
        self.service_account_names = {n: sa.metadata.name for n, sa in accounts.items()}
        self.register_outputs(
            {"namespace_name": self.namespace_name, "service_account_names": self.service_account_names}
        )


def network_policy(
    resource_name: str,
    namespace: pulumi.Input[str],
    policy_name: str,
    spec: dict[str, object],
    opts: pulumi.ResourceOptions,
) -> k8s.networking.v1.NetworkPolicy:
    """A NetworkPolicy named `policy_name` in `namespace`, labelled as the platform's."""
    return k8s.networking.v1.NetworkPolicy(
        resource_name,
        metadata={"name": policy_name, "namespace": namespace, "labels": MANAGED_BY},
        spec=spec,
        opts=opts,
    )
