"""Controllers that read Secrets: the RBAC of the pinned upstream charts the platform installs.

The provider renders these charts at `pulumi up`, so their Roles are not in the plan. Each chart the
platform pins was rendered with Helm's own engine (helm-python-sdk) at its exact version, with the
values the platform gives it, and its rules on Secrets are written down here, with the template they
come from. A release of another chart or version, or with values the analysis depends on changed,
is reported as such: its pods may read any Secret (`verbs: unknown`), never silently nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from offline.access.kubernetes import Rule, grant_rows
from offline.access.model import ALL, HELM_RELEASE, KUBERNETES, Inventory, row
from offline.plan import Plan, Resource

READ_WRITE = frozenset({"get", "list", "watch", "create", "update", "delete", "patch"})
READ = frozenset({"get", "list", "watch"})


@dataclass(frozen=True)
class ChartGrant:
    """A ServiceAccount of a chart and what its bindings let it do with Secrets."""

    account: str
    """`namespace/name` of the ServiceAccount."""
    scopes: tuple[str, ...]
    """`*` (a ClusterRoleBinding) or the namespaces of its RoleBindings."""
    verbs: frozenset[str]
    roles: str
    """The chart's Roles or ClusterRoles that give it, as the report names them."""


def _get(values: Any, path: str) -> Any:
    node = values
    for key in path.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _unchanged(values: Any, *paths: str) -> bool:
    """None of these values (that decide names or scopes in the chart's templates) is set."""
    return all(_get(values, p) in (None, "", False, [], {}) for p in paths)


def _external_secrets(name: str, namespace: str, values: Any) -> list[ChartGrant] | None:
    """external-secrets 2.9.0 (tag helm-chart-2.9.0): templates/rbac.yaml gives the controller a
    ClusterRole `<fullname>-controller` with get, list, watch, create, update, delete, patch on Secrets
    (it writes every ExternalSecret's target); templates/cert-controller-rbac.yaml gives the cert
    controller a ClusterRole `<fullname>-cert-controller` with get, list, watch on Secrets (it keeps
    the webhook's certificate). `<fullname>` is the release name when it contains the chart's name
    (`_helpers.tpl`, `external-secrets.fullname`); the cert controller's ServiceAccount is fixed."""
    if not _unchanged(values, "scopedRBAC", "fullnameOverride", "nameOverride", "serviceAccount.name"):
        return None
    if _get(values, "rbac.create") is False or _get(values, "webhook.certManager.enabled"):
        return None
    fullname = name if "external-secrets" in name else f"{name}-external-secrets"
    grants = [ChartGrant(f"{namespace}/{fullname}", (ALL,), READ_WRITE, f"ClusterRole {fullname}-controller")]
    if _get(values, "certController.create") is not False:
        grants.append(
            ChartGrant(
                f"{namespace}/external-secrets-cert-controller",
                (ALL,),
                READ,
                f"ClusterRole {fullname}-cert-controller",
            )
        )
    return grants


def _reloader(name: str, namespace: str, values: Any) -> list[ChartGrant] | None:
    """reloader 2.2.16 (tag chart-v2.2.16): with `reloader.watchGlobally: false` and
    `reloader.namespaces`, templates/role.yaml makes a Role `<fullname>-role` with list, get, watch on
    Secrets in each listed namespace and in the release's own (`reloader-watchNamespaces`), bound to the
    ServiceAccount `<release>-reloader`; with `watchGlobally` a ClusterRole does the same everywhere."""
    if not _unchanged(values, "fullnameOverride", "nameOverride", "reloader.serviceAccount.name"):
        return None
    if _get(values, "reloader.ignoreSecrets") or _get(values, "reloader.rbac.enabled") is False:
        return []
    fullname = f"{name}-reloader"
    if _get(values, "reloader.watchGlobally") is False:
        watched = [str(n) for n in (_get(values, "reloader.namespaces") or [])]
        scopes = tuple(sorted({*watched, namespace}))
        return [ChartGrant(f"{namespace}/{fullname}", scopes, READ, f"Role {fullname}-role")]
    return [ChartGrant(f"{namespace}/{fullname}", (ALL,), READ, f"ClusterRole {fullname}-role")]


def _cert_manager(name: str, namespace: str, values: Any) -> list[ChartGrant] | None:
    """cert-manager v1.17.2 (tag v1.17.2, deploy/charts/cert-manager/templates/rbac.yaml): the controller
    (ServiceAccount `<fullname>`) has ClusterRoles `<fullname>-controller-issuers`, `-clusterissuers`
    and `-certificates` (get, list, watch, create, update, delete; `-certificates` also patch) and
    `-orders`, `-challenges` (get, list, watch) on Secrets; the CA injector (`<fullname>-cainjector`)
    reads every Secret (ClusterRole `<fullname>-cainjector`, get, list, watch)."""
    if not _unchanged(values, "fullnameOverride", "nameOverride", "serviceAccount.name"):
        return None
    if _get(values, "global.rbac.create") is False:
        return None
    fullname = name if "cert-manager" in name else f"{name}-cert-manager"
    return [
        ChartGrant(
            f"{namespace}/{fullname}",
            (ALL,),
            READ_WRITE,
            f"ClusterRoles {fullname}-controller-issuers, -clusterissuers, -certificates, -orders, -challenges",
        ),
        ChartGrant(f"{namespace}/{fullname}-cainjector", (ALL,), READ, f"ClusterRole {fullname}-cainjector"),
    ]


def _ingress_nginx(name: str, namespace: str, values: Any) -> list[ChartGrant] | None:
    """ingress-nginx 4.12.1 (tag helm-chart-4.12.1): templates/clusterrole.yaml lets the controller
    (ServiceAccount `<fullname>`) list and watch Secrets in every namespace (the TLS Secrets of any
    Ingress), and templates/controller-role.yaml get, list, watch in its own; the admission webhook's
    patch Job (`<fullname>-admission`) may get and create Secrets in its namespace."""
    if not _unchanged(
        values, "fullnameOverride", "nameOverride", "serviceAccount.name", "controller.scope.enabled"
    ):
        return None
    fullname = name if "ingress-nginx" in name else f"{name}-ingress-nginx"
    grants = [
        ChartGrant(
            f"{namespace}/{fullname}", (ALL,), frozenset({"list", "watch"}), f"ClusterRole {fullname}"
        ),
        ChartGrant(f"{namespace}/{fullname}", (namespace,), READ, f"Role {fullname}"),
    ]
    if _get(values, "controller.admissionWebhooks.enabled") is not False:
        grants.append(
            ChartGrant(
                f"{namespace}/{fullname}-admission",
                (namespace,),
                frozenset({"get", "create"}),
                f"Role {fullname}-admission",
            )
        )
    return grants


ANALYSED: dict[tuple[str, str], Callable[[str, str, Any], list[ChartGrant] | None]] = {
    ("external-secrets", "2.9.0"): _external_secrets,
    ("reloader", "2.2.16"): _reloader,
    ("cert-manager", "v1.17.2"): _cert_manager,
    ("ingress-nginx", "4.12.1"): _ingress_nginx,
}
"""(chart, exact version) -> its grants on Secrets under the release's values (None: not analysed)."""


def is_local_chart(release: Resource) -> bool:
    """A chart of the project itself (`./charts/bff`), whose templates the platform owns."""
    chart = str(release.inputs.get("chart") or "")
    return chart.startswith(("./", "../", "/")) and not release.inputs.get("repositoryOpts")


def chart_grants(release: Resource) -> list[ChartGrant] | None:
    """The grants of an upstream release, or None when this report has not analysed it."""
    inputs = release.inputs
    analyse = ANALYSED.get((str(inputs.get("chart")), str(inputs.get("version"))))
    if analyse is None:
        return None
    namespace = str(inputs.get("namespace") or "default")
    return analyse(str(inputs.get("name") or release.name), namespace, inputs.get("values") or {})


def controller_rows(plan: Plan, inventory: Inventory) -> list[dict[str, Any]]:
    """Rows of the controllers the plan's upstream Helm releases install."""
    rows = []
    for release in plan.resources:
        if release.type != HELM_RELEASE or is_local_chart(release):
            continue
        inputs = release.inputs
        namespace = str(inputs.get("namespace") or "default")
        label = f"{namespace}/{inputs.get('name') or release.name}"
        chart = f"chart {inputs.get('chart')} {inputs.get('version')}"
        grants = chart_grants(release)
        if grants is None:
            rows.append(
                row(
                    f"{ALL}/{ALL}",
                    KUBERNETES,
                    "release",
                    label,
                    f"Helm release {label} ({chart}: not analysed; render it and read its Roles)",
                    ["unknown"],
                )
            )
            continue
        for grant in grants:
            through = f"{grant.roles} (Helm release {label}, {chart})"
            for scope in grant.scopes:
                rows += grant_rows(
                    inventory, [Rule((), grant.verbs)], scope, "controller", grant.account, through
                )
    return rows


def eso_controller(plan: Plan) -> str:
    """`namespace/name` of the External Secrets controller's ServiceAccount in the plan."""
    for release in plan.resources:
        if release.type == HELM_RELEASE and release.inputs.get("chart") == "external-secrets":
            grants = chart_grants(release)
            if grants:
                return grants[0].account
            return f"{release.inputs.get('namespace')}/{release.inputs.get('name')} (not analysed)"
    return "External Secrets controller (not in this plan)"
