"""Secrets Manager secrets delivered into pods at deployment time, by the External Secrets Operator.

The flow, per `source: cloud` secret (`store: default`) on AWS:

1. `ExternalSecretsOperator` installs ESO and Stakater Reloader, both as pinned Helm releases, in an
   isolated `external-secrets` namespace (PSA `restricted`, default-deny, egress only to DNS and to
   HTTPS). ESO runs with the cluster-wide kinds switched off (no ClusterSecretStore,
   ClusterExternalSecret, PushSecret or ClusterGenerator: their CRDs are not even installed) and
   without the cluster-wide right to mint ServiceAccount tokens.
2. `SyncSecretStore`, per workload identity (`components.aws.workload_identity.SecretSyncIdentity`): a namespaced
   `SecretStore` whose AWS `jwt` auth names the workload's `<workload>-secret-sync` ServiceAccount, and
   a Role letting the ESO controller request tokens for exactly that ServiceAccount.
3. `SyncedSecret`, per cloud secret: an `ExternalSecret` that copies exactly the catalogue's keys of
   the Secrets Manager secret into the Kubernetes Secret `<name>-v<version>`, which the workload's
   Deployment consumes like any other platform Secret.

How a new value reaches the pods. A version bump works as for every platform Secret: a new
ExternalSecret and Secret `<name>-v<N+1>` are created, the Deployment names the new Secret and rolls,
and the old ExternalSecret (and, through its owner reference, its Secret) is deleted last. A value
rotated in Secrets Manager under the same version arrives in two steps:
- ESO re-reads the secret every `refreshInterval` (at most an hour, and at most a quarter of the
  rotation period) and updates the Secret in place; ESO-owned Secrets are mutable, which is what lets
  the kubelet refresh mounted files (`mount: volume`, no `subPath`) within its sync period plus cache
  TTL, about a minute (kubernetes.io/docs/concepts/configuration/secret/#mounted-secrets-are-updated-automatically).
- Environment variables never change in a running container, and many programs read files only at
  start, so the consuming Deployment carries Reloader's `secret.reloader.stakater.com/reload:
  "<name>-v<version>"` annotation (`reloader_annotations()`): Reloader sees the Secret's data change
  and rolls the Deployment (surge first, as `components/kubernetes/workload.py` configures it).
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints`, which cannot evaluate string annotations once the module has been dropped
# from `sys.modules` (as the offline runner does between stacks); see components/aws/foundation.py.
import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.namespace import MANAGED_BY, IsolatedNamespace, NamespaceArgs, network_policy
from components.kubernetes.rbac import RBAC_API_GROUP
from components.kubernetes.secret import ROTATION_ANNOTATION, secret_labels, versioned_name
from config.models import CloudSecret, StackConfig


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

EXTERNAL_SECRETS_API_VERSION = "external-secrets.io/v1"
STORE_KIND = "SecretStore"
"""Namespaced stores only: a ClusterSecretStore could be named by an ExternalSecret of any namespace."""

AWS_SERVICE = "SecretsManager"

MAX_REFRESH = timedelta(hours=1)
"""Longest time ESO waits before re-reading a secret; a rotated value is at most this old in the Secret."""

REFRESH_FRACTION = 4
"""ESO re-reads a secret at least four times per rotation period, so a rotation never waits for it."""

RELOAD_ANNOTATION = "secret.reloader.stakater.com/reload"
"""On a Deployment: the Secrets (comma-separated) whose change makes Reloader roll it."""

WAIT_FOR_ANNOTATION = "pulumi.com/waitFor"
"""pulumi-kubernetes waits for this condition before it reports the resource created (v4.18+)."""

WAIT_FOR_READY = "condition=Ready"
"""ESO sets `Ready` on a SecretStore once it is valid and on an ExternalSecret once the Secret is synced."""

CONTROLLER_RESOURCES = {
    "requests": {"cpu": "50m", "memory": "128Mi"},
    "limits": {"cpu": "500m", "memory": "256Mi"},
}
"""The controller caches the Secrets and ExternalSecrets it watches; 256Mi holds a few thousand."""

SMALL_RESOURCES = {"requests": {"cpu": "10m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}}
"""Webhook, cert controller and Reloader: small, steady pods."""

RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}
"""Pod Security Standards `restricted` for a container (kubernetes.io/docs/concepts/security/pod-security-standards)."""

_DURATION_UNITS = (("h", 3600), ("m", 60), ("s", 1))
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_VERSION = re.compile(r"^1\.\d+$")


# --- pure functions --------------------------------------------------------------------------------


def refresh_interval(rotation_days: int, ceiling: timedelta = MAX_REFRESH) -> timedelta:
    """How often ESO re-reads a secret: `min(ceiling, rotation period / 4)`."""
    return min(ceiling, timedelta(days=rotation_days) / REFRESH_FRACTION)


def go_duration(interval: timedelta) -> str:
    """A whole-second interval as a Go duration (`1h`, `1h30m`, `45s`), the form `refreshInterval` takes."""
    seconds = int(interval.total_seconds())
    if seconds <= 0 or seconds != interval.total_seconds():
        raise ValueError(f"expected a positive whole number of seconds, got {interval}")
    parts = []
    for unit, size in _DURATION_UNITS:
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts)


def reloader_annotations(secret_names: Sequence[str]) -> dict[str, str]:
    """The Deployment annotation that makes Reloader roll it when one of these Secrets changes."""
    return {RELOAD_ANNOTATION: ",".join(sorted(set(secret_names)))}


def sync_plan(stack: StackConfig) -> dict[str, list[CloudSecret]]:
    """Workload name -> the Secrets Manager secrets its sync identity reads, in catalogue order.

    A `source: cloud`, `store: default` secret is synced by the identity of its first reader that runs
    in the secret's namespace (a SecretStore can only use a ServiceAccount of its own namespace); other
    readers in that namespace consume the same Secret. A secret that no workload of its namespace
    reads (the platform's own BFF and CMS get no sync identity) is refused: nothing could sync it.
    """
    namespaces = {w.name: w.namespace_name for w in stack.workloads}
    plan: dict[str, list[CloudSecret]] = {}
    problems = []
    for entry in stack.secrets:
        if not isinstance(entry, CloudSecret) or entry.store != "default":
            continue
        namespace = stack.secret_namespace(entry)
        owner = next((r for r in entry.readers if namespaces.get(r) == namespace), None)
        if owner is None:
            problems.append(
                f"cloud secret {entry.name!r} lives in namespace {namespace!r}, where none of the stack's "
                "workloads that read it runs; add such a reader, whose identity will sync it"
            )
            continue
        plan.setdefault(owner, []).append(entry)
    if problems:
        raise ValueError("; ".join(problems))
    return plan


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
        "securityContext": {"enabled": True, **RESTRICTED_CONTAINER},
        "webhook": {
            "resources": SMALL_RESOURCES,
            "securityContext": {"enabled": True, **RESTRICTED_CONTAINER},
        },
        "certController": {
            "resources": SMALL_RESOURCES,
            "securityContext": {"enabled": True, **RESTRICTED_CONTAINER},
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
                "containerSecurityContext": RESTRICTED_CONTAINER,
                "resources": SMALL_RESOURCES,
            },
        }
    }


def secret_store_spec(region: str, service_account: pulumi.Input[str]) -> dict[str, Any]:
    """A SecretStore reading Secrets Manager as the role annotated on `service_account`."""
    return {
        "provider": {
            "aws": {
                "service": AWS_SERVICE,
                "region": region,
                # ESO reads the role from the account's `eks.amazonaws.com/role-arn` annotation and
                # requests a token with audience sts.amazonaws.com (providers/v1/aws/auth/auth.go).
                "auth": {"jwt": {"serviceAccountRef": {"name": service_account}}},
            }
        }
    }


def external_secret_spec(
    entry: CloudSecret,
    store_name: pulumi.Input[str],
    remote_key: pulumi.Input[str],
    refresh: timedelta,
) -> dict[str, Any]:
    """An ExternalSecret copying exactly the entry's keys into the Secret `<name>-v<version>`.

    `data[]` names each key (a missing property fails the sync) where `dataFrom.extract` would copy
    whatever else the remote JSON holds. The Secret is owned by the ExternalSecret (deleted with it,
    so a version bump removes the old one) and kept as it is if the remote secret disappears
    (`deletionPolicy: Retain`): a secret scheduled for deletion must not take running pods' Secret
    with it; the ExternalSecret turns not Ready instead.
    """
    return {
        "refreshPolicy": "Periodic",
        "refreshInterval": go_duration(refresh),
        "secretStoreRef": {"name": store_name, "kind": STORE_KIND},
        "target": {
            "name": versioned_name(entry.name, entry.version),
            "creationPolicy": "Owner",
            "deletionPolicy": "Retain",
            "template": {
                "type": "Opaque",
                "engineVersion": "v2",
                "mergePolicy": "Replace",
                "metadata": {
                    "labels": secret_labels(entry),
                    "annotations": {ROTATION_ANNOTATION: str(entry.rotation_days)},
                },
            },
        },
        "data": [{"secretKey": key, "remoteRef": {"key": remote_key, "property": key}} for key in entry.keys],
    }


# --- the operator -------------------------------------------------------------------------------------


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
    if not _VERSION.match(args.kubernetes_version):
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
        if not _DNS_LABEL.match(ns) or len(ns) > 63:
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
        release = _release(f"{name}-eso", ESO_CHART, ESO_RELEASE, namespace, eso_values(), policies, self)
        self.reloader_release_name = None
        if args.reload_namespaces:
            reloader = _release(
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


def _release(
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


# --- the store of one workload identity -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SyncSecretStoreArgs:
    workload: str
    """Workload whose identity the store uses; the store is named `<workload>-secrets-manager`."""
    namespace: pulumi.Input[str]
    """Namespace of the workload and its sync ServiceAccount (`SecretSyncIdentity.namespace`)."""
    service_account: pulumi.Input[str]
    """The sync ServiceAccount (`SecretSyncIdentity.service_account_name`), so the store waits for it."""
    region: str
    """Region of the Secrets Manager secrets (the stack's `aws:region`)."""
    operator: ExternalSecretsOperator
    """The operator: its release installs the CRDs; its controller is granted tokens of the account."""


def check_store_args(args: SyncSecretStoreArgs) -> list[str]:
    """Why these arguments cannot make a store (empty when they can); pure, tested without mocks."""
    problems = []
    if not _DNS_LABEL.match(args.workload) or len(args.workload) > 63:
        problems.append(f"workload {args.workload!r} is not a Kubernetes name")
    if not _REGION.match(args.region):
        problems.append(f"region {args.region!r} is not an AWS region such as eu-west-1")
    return problems


def store_name(workload: str) -> str:
    """Name of the SecretStore of a workload's identity."""
    return f"{workload}-secrets-manager"


class SyncSecretStore(pulumi.ComponentResource):
    """A namespaced SecretStore reading Secrets Manager as one workload's sync identity, and the
    Role that lets ESO request tokens for that identity's ServiceAccount, and no other."""

    store_name: pulumi.Output[str]
    """Name of the SecretStore, for `SyncedSecret.store_name`."""
    namespace: pulumi.Output[str]
    """Namespace of the SecretStore."""

    def __init__(
        self, name: str, args: SyncSecretStoreArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_store_args(args)
        if problems:
            raise ValueError(f"secret store of {args.workload!r}: " + "; ".join(problems))
        super().__init__("secrets-platform:external_secrets:SyncSecretStore", name, None, opts)
        labels = {**MANAGED_BY, "secrets-platform/workload": args.workload}
        operator = args.operator
        token_role = k8s.rbac.v1.Role(
            f"{name}-token-role",
            metadata={
                "name": f"{args.workload}-secret-sync-token",
                "namespace": args.namespace,
                "labels": labels,
            },
            # `create` on a subresource of a named object can be limited by name (the request path
            # carries it), unlike `create` of a new object.
            rules=[
                {
                    "api_groups": [""],
                    "resources": ["serviceaccounts/token"],
                    "resource_names": [args.service_account],
                    "verbs": ["create"],
                }
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        binding = k8s.rbac.v1.RoleBinding(
            f"{name}-token-binding",
            metadata={
                "name": f"{args.workload}-secret-sync-token",
                "namespace": args.namespace,
                "labels": labels,
            },
            role_ref={"api_group": RBAC_API_GROUP, "kind": "Role", "name": token_role.metadata.name},
            subjects=[
                {
                    "kind": "ServiceAccount",
                    "name": operator.controller_service_account,
                    "namespace": operator.controller_namespace,
                }
            ],
            opts=pulumi.ResourceOptions(parent=token_role),
        )
        store = k8s.apiextensions.CustomResource(
            f"{name}-store",
            api_version=EXTERNAL_SECRETS_API_VERSION,
            kind=STORE_KIND,
            metadata={
                "name": store_name(args.workload),
                "namespace": args.namespace,
                "labels": labels,
                "annotations": {WAIT_FOR_ANNOTATION: WAIT_FOR_READY},
            },
            spec=secret_store_spec(args.region, args.service_account),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[operator.release, binding]),
        )
        self.store_name = store.metadata["name"]
        self.namespace = store.metadata["namespace"]
        self.register_outputs({"store_name": self.store_name, "namespace": self.namespace})


# --- one synced secret ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SyncedSecretArgs:
    entry: CloudSecret
    """The catalogue entry (`source: cloud`, `store: default`): its keys, version and rotation period."""
    namespace: pulumi.Input[str]
    """Namespace of the Secret (`SyncSecretStore.namespace`, the store must be in the same one)."""
    store_name: pulumi.Input[str]
    """The SecretStore to read through (`SyncSecretStore.store_name`), so the ExternalSecret waits for it."""
    remote_key: pulumi.Input[str]
    """ARN (preferred: the IAM policy names ARNs) or name of the Secrets Manager secret."""
    operator: ExternalSecretsOperator
    """The operator, whose release installs the CRDs and the admission webhook."""
    max_refresh: timedelta = MAX_REFRESH
    """Ceiling of `refreshInterval`; the interval is also at most a quarter of the rotation period."""


def check_synced_args(args: SyncedSecretArgs) -> list[str]:
    """Why these arguments cannot make a synced Secret (empty when they can); pure, tested without mocks."""
    entry = args.entry
    where = f"secret {entry.name!r}"
    if not isinstance(entry, CloudSecret):
        return [f"{where} has source {entry.source!r}: only `source: cloud` secrets are synced by ESO"]
    problems = []
    if entry.store != "default":
        problems.append(
            f"{where} is kept in {entry.store!r}, not in Secrets Manager; sync it with that store"
        )
    if isinstance(args.remote_key, str) and (not args.remote_key or "*" in args.remote_key):
        problems.append(f"{where}: remote_key {args.remote_key!r} must name one secret exactly")
    # The interval is then at most a quarter of the rotation period, whatever the ceiling.
    if args.max_refresh.total_seconds() < 1 or args.max_refresh.total_seconds() % 1:
        problems.append(f"{where}: max_refresh must be a positive whole number of seconds")
    return problems


class SyncedSecret(pulumi.ComponentResource):
    """An ExternalSecret that keeps the Kubernetes Secret `<name>-v<version>` equal to a Secrets Manager
    secret's keys, re-read well within the rotation period."""

    secret_name: pulumi.Output[str]
    """Name of the synced Secret (`<name>-v<version>`, also the ExternalSecret's name); pass it as
    `SecretGrant.secret_name` so the Deployment waits until the Secret is synced."""
    namespace: pulumi.Output[str]
    """Namespace of the synced Secret."""
    refresh_interval: str
    """How often ESO re-reads the secret, as a Go duration (`1h`)."""

    def __init__(self, name: str, args: SyncedSecretArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        problems = check_synced_args(args)
        if problems:
            raise ValueError("; ".join(problems))
        super().__init__("secrets-platform:external_secrets:SyncedSecret", name, None, opts)
        entry = args.entry
        refresh = refresh_interval(entry.rotation_days, args.max_refresh)
        external_secret = k8s.apiextensions.CustomResource(
            f"{name}-external-secret",
            api_version=EXTERNAL_SECRETS_API_VERSION,
            kind="ExternalSecret",
            metadata={
                # Named like its Secret: a version bump replaces both, create-before-delete.
                "name": versioned_name(entry.name, entry.version),
                "namespace": args.namespace,
                "labels": secret_labels(entry),
                # Created only once the Secret is synced, so the Deployment never names a missing Secret.
                "annotations": {
                    WAIT_FOR_ANNOTATION: WAIT_FOR_READY,
                    ROTATION_ANNOTATION: str(entry.rotation_days),
                },
            },
            spec=external_secret_spec(entry, args.store_name, args.remote_key, refresh),
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[args.operator.release], delete_before_replace=False
            ),
        )
        self.secret_name = external_secret.metadata["name"]
        self.namespace = external_secret.metadata["namespace"]
        self.refresh_interval = go_duration(refresh)
        self.register_outputs(
            {
                "secret_name": self.secret_name,
                "namespace": self.namespace,
                "refresh_interval": self.refresh_interval,
            }
        )
