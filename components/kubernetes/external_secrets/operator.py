"""The External Secrets Operator and Stakater Reloader, pinned Helm releases in their own namespace."""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints`, which cannot evaluate string annotations once the module has been dropped
# from `sys.modules` (as the offline runner does between stacks); see components/aws/foundation.py.
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.conventions import restricted_container
from components.kubernetes.namespace import IsolatedNamespace, NamespaceArgs, network_policy
from config.patterns import KUBERNETES_MINOR, is_dns_label


@dataclass(frozen=True, kw_only=True)
class ChartPin:
    """A chart from a repository, at one exact version."""

    repository: str
    """Chart repository URL (https)."""
    chart: str
    """Chart name in the repository."""
    version: str
    """Exact chart version; never a range."""


ESO_CHART = ChartPin(
    repository="https://charts.external-secrets.io", chart="external-secrets", version="2.9.0"
)
"""External Secrets Operator chart 2.9.0 (app v2.9.0; upstream tag `helm-chart-2.9.0`,
deploy/charts/external-secrets/Chart.yaml). It serves `external-secrets.io/v1`."""

RELOADER_CHART = ChartPin(
    repository="https://stakater.github.io/stakater-charts", chart="reloader", version="2.2.16"
)
"""Stakater Reloader chart 2.2.16 (app v1.4.21; upstream tag `chart-v2.2.16`). 2.2.15 is the first
chart with `reloader.namespaces`, the scoped mode used here."""

ESO_NAMESPACE = "external-secrets"
"""Namespace of the operator and of Reloader."""

ESO_RELEASE = "external-secrets"
"""Release name; the chart's fullname, and so its controller ServiceAccount, is `external-secrets`."""

ESO_CONTROLLER_SERVICE_ACCOUNT = "external-secrets"
"""The controller's ServiceAccount (`external-secrets.serviceAccountName` with release = chart name)."""

RELOADER_RELEASE = "reloader"

ESO_WEBHOOK_POD_LABELS = {
    "app.kubernetes.io/name": "external-secrets-webhook",
    "app.kubernetes.io/instance": ESO_RELEASE,
}
"""Selector labels of the webhook pods (chart `_helpers.tpl`, `external-secrets-webhook.selectorLabels`)."""

ESO_WEBHOOK_PORT = 10250
"""Port the webhook container serves admission reviews on (chart value `webhook.port`)."""

HTTPS_PORT = 443
"""The Kubernetes API (EKS endpoint) and the AWS APIs (STS, Secrets Manager) are HTTPS on 443."""

CONTROLLER_RESOURCES = {
    "requests": {"cpu": "50m", "memory": "128Mi"},
    "limits": {"cpu": "500m", "memory": "256Mi"},
}
"""The controller caches the Secrets and ExternalSecrets it watches; 256Mi holds a few thousand."""

SMALL_RESOURCES = {"requests": {"cpu": "10m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}}
"""Webhook, cert controller and Reloader: small, steady pods."""


def eso_values() -> dict[str, Any]:
    """Values of the ESO chart: namespaced kinds only, no cluster-wide token minting, bounded pods."""
    off = {"enabled": False}
    return {
        # CRDs come with the chart, so they are upgraded with it (chart default, pinned here).
        "installCRDs": True,
        # The cluster-scoped and push kinds are never used: without their CRDs nobody can create one,
        # and the controller gets no RBAC for them (chart values.yaml: "If set to false you must also
        # set process...: false").
        "crds": {
            "createClusterSecretStore": False,
            "createClusterExternalSecret": False,
            "createClusterGenerator": False,
            "createPushSecret": False,
            "createClusterPushSecret": False,
        },
        "processClusterStore": False,
        "processClusterExternalSecret": False,
        "processClusterGenerator": False,
        "processPushSecret": False,
        "processClusterPushSecret": False,
        # Without this the controller may create a token for any ServiceAccount of the cluster, and so
        # assume any IRSA role; `SyncSecretStore` grants it exactly the sync ServiceAccounts instead.
        "rbac": {"serviceAccountTokenCreate": False},
        "serviceMonitor": off,
        "resources": CONTROLLER_RESOURCES,
        "securityContext": {"enabled": True, **restricted_container()},
        "webhook": {
            "resources": SMALL_RESOURCES,
            "securityContext": {"enabled": True, **restricted_container()},
        },
        "certController": {
            "resources": SMALL_RESOURCES,
            "securityContext": {"enabled": True, **restricted_container()},
        },
    }


def reloader_values(namespaces: Sequence[pulumi.Input[str]]) -> dict[str, Any]:
    """Values of the Reloader chart, watching exactly `namespaces` (and its own).

    `watchGlobally: false` with `reloader.namespaces` makes the chart create a Role and RoleBinding in
    each listed namespace and no ClusterRole: Reloader reads the Secrets of the namespaces that hold
    cloud-synced Secrets, not of the whole cluster. ConfigMaps are ignored (they drop out of its
    RBAC), nothing reloads unless annotated, and the roll-out marks the pod template with an
    annotation (`reloadStrategy: annotations`) rather than an env variable, so the containers stay
    exactly as Pulumi declares them.
    """
    return {
        "reloader": {
            "watchGlobally": False,
            "namespaces": list(namespaces),
            "ignoreConfigMaps": True,
            "autoReloadAll": False,
            "reloadStrategy": "annotations",
            "readOnlyRootFileSystem": True,
            "deployment": {
                "securityContext": {
                    "runAsNonRoot": True,
                    "runAsUser": 65534,
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "containerSecurityContext": restricted_container(),
                "resources": SMALL_RESOURCES,
            },
        }
    }


@dataclass(frozen=True, kw_only=True)
class ExternalSecretsOperatorArgs:
    kubernetes_version: str
    """Cluster minor version (`1.31`): the namespace's Pod Security Admission labels are pinned to it."""
    reload_namespaces: Sequence[pulumi.Input[str]] = ()
    """Namespaces whose Deployments consume cloud-synced Secrets (the Namespaces' name outputs, so the
    release waits for them: the chart puts Reloader's Roles there). Empty: Reloader is not installed."""
    https_egress_cidrs: Sequence[str] = ("0.0.0.0/0",)
    """Where the operator's pods reach the Kubernetes API and the AWS APIs (STS, Secrets Manager), on
    TCP 443 only. Narrow it to the VPC's CIDR when the cluster endpoint is private and STS and Secrets
    Manager are reached through VPC interface endpoints."""


def check_operator_args(args: ExternalSecretsOperatorArgs) -> list[str]:
    """Why these arguments cannot make the operator (empty when they can); pure, tested without mocks."""
    problems = []
    if not KUBERNETES_MINOR.match(args.kubernetes_version):
        problems.append(f"kubernetes_version {args.kubernetes_version!r} is not a minor version like 1.31")
    if not args.https_egress_cidrs:
        problems.append(
            "https_egress_cidrs is empty: the operator could reach neither the Kubernetes API nor AWS"
        )
    for cidr in args.https_egress_cidrs:
        try:
            ipaddress.ip_network(cidr, strict=True)
        except ValueError:
            problems.append(f"egress CIDR {cidr!r} is not a network in CIDR form")
    plain = [ns for ns in args.reload_namespaces if isinstance(ns, str)]
    for ns in sorted(set(plain)):
        if not is_dns_label(ns):
            problems.append(f"reload namespace {ns!r} is not a namespace name")
        if plain.count(ns) > 1:
            problems.append(f"reload namespace {ns!r} is listed twice")
        if ns == ESO_NAMESPACE:
            problems.append(f"reload namespace {ns!r} is the operator's own; list workload namespaces only")
    return problems


class ExternalSecretsOperator(pulumi.ComponentResource):
    """ESO and Reloader, pinned, in a `restricted`, default-deny namespace that may only speak HTTPS out."""

    namespace_name: pulumi.Output[str]
    """Namespace of the operator and Reloader (`external-secrets`)."""
    release_name: pulumi.Output[str]
    """Name of the ESO Helm release."""
    reloader_release_name: pulumi.Output[str] | None
    """Name of the Reloader Helm release (`None` when no namespace is to be watched)."""
    controller_namespace: str
    """Namespace of the ESO controller's ServiceAccount, for RoleBindings that name it."""
    controller_service_account: str
    """The ESO controller's ServiceAccount, for RoleBindings that name it."""
    release: k8s.helm.v3.Release
    """The ESO release: custom resources `depends_on` it, since it installs their CRDs and webhook."""

    def __init__(
        self, name: str, args: ExternalSecretsOperatorArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_operator_args(args)
        if problems:
            raise ValueError("External Secrets Operator: " + "; ".join(problems))
        super().__init__("secrets-platform:external_secrets:ExternalSecretsOperator", name, None, opts)
        namespace = IsolatedNamespace(
            f"{name}-ns",
            NamespaceArgs(namespace=ESO_NAMESPACE, kubernetes_version=args.kubernetes_version),
            pulumi.ResourceOptions(parent=self),
        )
        policies = _network_policies(name, namespace, args)
        release = pinned_release(
            f"{name}-eso", ESO_CHART, ESO_RELEASE, namespace, eso_values(), policies, self
        )
        self.reloader_release_name = None
        if args.reload_namespaces:
            reloader = pinned_release(
                f"{name}-reloader",
                RELOADER_CHART,
                RELOADER_RELEASE,
                namespace,
                reloader_values(args.reload_namespaces),
                policies,
                self,
            )
            self.reloader_release_name = reloader.name
        self.namespace_name = namespace.namespace_name
        self.release_name = release.name
        self.controller_namespace = ESO_NAMESPACE
        self.controller_service_account = ESO_CONTROLLER_SERVICE_ACCOUNT
        self.release = release
        self.register_outputs(
            {
                "namespace_name": self.namespace_name,
                "release_name": self.release_name,
                "reloader_release_name": self.reloader_release_name,
                "controller_namespace": self.controller_namespace,
                "controller_service_account": self.controller_service_account,
            }
        )


def _network_policies(
    name: str, namespace: IsolatedNamespace, args: ExternalSecretsOperatorArgs
) -> list[k8s.networking.v1.NetworkPolicy]:
    """On top of the namespace's default deny and DNS: HTTPS out, and admission reviews in."""
    owned = pulumi.ResourceOptions(parent=namespace.namespace)
    egress = network_policy(
        f"{name}-allow-https-egress",
        namespace.namespace_name,
        "allow-https-egress",
        {
            "pod_selector": {},
            "policy_types": ["Egress"],
            "egress": [
                {
                    "to": [{"ip_block": {"cidr": cidr}} for cidr in args.https_egress_cidrs],
                    "ports": [{"protocol": "TCP", "port": HTTPS_PORT}],
                }
            ],
        },
        owned,
    )
    # The API server calls the webhook from the control plane, which is no pod a selector could name.
    webhook = network_policy(
        f"{name}-allow-webhook-ingress",
        namespace.namespace_name,
        "allow-webhook-ingress",
        {
            "pod_selector": {"match_labels": ESO_WEBHOOK_POD_LABELS},
            "policy_types": ["Ingress"],
            "ingress": [{"ports": [{"protocol": "TCP", "port": ESO_WEBHOOK_PORT}]}],
        },
        owned,
    )
    return [egress, webhook]


def pinned_release(
    resource_name: str,
    pin: ChartPin,
    release_name: str,
    namespace: IsolatedNamespace,
    values: Mapping[str, Any],
    policies: Sequence[pulumi.Resource],
    parent: pulumi.Resource,
) -> k8s.helm.v3.Release:
    """A pinned chart from its repository, installed like `HelmChartRelease` installs the platform's."""
    return k8s.helm.v3.Release(
        resource_name,
        name=release_name,
        chart=pin.chart,
        version=pin.version,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=pin.repository),
        namespace=namespace.namespace_name,
        values=dict(values),
        # A failed install or upgrade rolls back and deletes what it created; wait for the rollout.
        atomic=True,
        cleanup_on_fail=True,
        skip_await=False,
        timeout=600,
        max_history=10,
        # The pods start only once they may reach the API (the namespace denies everything else).
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(policies)),
    )
