"""A Helm release whose secret overrides never pass through Helm values.

`HelmChartRelease` does what `helm install NAME CHART -f a.yaml -f b.yaml --set secret.key=...` does,
with one difference: the `--set` overrides that carry secrets are not values. They go into an
immutable, versioned Kubernetes Secret (its values Pulumi secrets), and the release receives only the
NAME of that Secret, at `<parent>.existingSecret` (`secret.existingSecret` for `secret.cmsToken`).

Why a Secret, and not `values` marked secret: Pulumi's secretness is per property, not per leaf. A
single secret inside `values` turns the whole `values` object into `[secret]` in `pulumi preview`,
so a reviewer no longer sees that a release goes from 2 to 3 replicas or changes its issuer. The
values also land in Helm's release record (a Secret of type `helm.sh/release.v1` readable by anyone
who can read Secrets in the namespace) and in `helm get values`. With the Secret route:
- every non-secret value stays readable in the diff, and no secret value is in the release at all;
- the secret is stored once, encrypted in Pulumi's state and (with envelope encryption) in etcd;
- a rotation bumps the version, which renames the Secret, which changes the pod template: the
  Deployment rolls to the new values, and the old Secret is deleted only after the release moved.

The chart must accept `existingSecret` next to its secret fields and read the Secret's keys by the
fields' names (the last segment of each path), as `charts/bff` does.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import yaml

from components.kubernetes.conventions import MANAGED_BY
from components.kubernetes.secret import ROTATION_ANNOTATION, versioned_name
from config.models import AnySecret, BffConfig, CloudSecret, HelmRelease, MobileApp

CatalogueEntry = AnySecret | CloudSecret
"""A catalogue secret, of any source."""

EXISTING_SECRET = "existingSecret"
"""The value, next to the secret fields of a chart, that names a Secret holding them."""


@dataclass(frozen=True, kw_only=True)
class HelmChartReleaseArgs:
    release: HelmRelease
    """The release as the stack declares it (chart, values files, plain values, secret overrides)."""
    project_dir: Path
    """Directory a local chart and the values files are relative to."""
    namespace: pulumi.Input[str] | None = None
    """The Namespace's name output (its value must be `release.namespace`), so the Secret and the
    release wait for the namespace; `release.namespace` when not given."""
    secret_values: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)
    """Override path (`secret.cmsToken`) -> its value, a Pulumi secret; one per `release.secret_values`."""
    sets: Mapping[str, pulumi.Input[Any]] = field(default_factory=dict)
    """Plain `--set` overrides by dotted path, applied last (names of Secrets, stack settings). Never a
    secret: one secret here would make the whole `values` secret again."""
    secret_version: int = 1
    """Version of the Secret holding the overrides (`<release>-secret-values-v<N>`). It must grow when
    any override's value changes; `overrides_version` derives it from the catalogue versions."""
    rotation_days: int = 90
    """Maximum age of the overrides (the shortest `rotationDays` of their catalogue secrets, from
    `overrides_rotation_days`), declared on the Secret for the rotation policies."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What the release waits for beyond its Secret (the BFF's: the CMS provisioning Job, so its new
    read token is valid before the pods roll to it)."""


# --- pure functions: merging values and checking the arguments ---------------------------------


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's merge of two values maps: maps merge key by key, anything else (lists too) replaces."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(dict(merged[key]), value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _nest(path: str, value: Any) -> dict[str, Any]:
    """`a.b.c`, v -> `{"a": {"b": {"c": v}}}` (the map `--set a.b.c=v` parses to)."""
    nested: Any = value
    for key in reversed(path.split(".")):
        nested = {key: nested}
    return nested


def merge_values(files: list[dict], values: dict, sets: dict[str, Any]) -> dict:
    """The values `helm install -f files[0] -f files[1] ... --set path=value` gives the chart.

    Files merge in order, deep (a later file wins leaf by leaf, lists are replaced whole); then the
    stack's plain `values`; then every `--set` dotted path, last. The inputs are not modified. The
    chart's own `values.yaml` is the base Helm coalesces this onto, so it need not be listed.
    """
    merged: dict[str, Any] = {}
    for document in [*files, values]:
        merged = _deep_merge(merged, document or {})
    for path, value in sets.items():
        merged = _deep_merge(merged, _nest(path, value))
    return merged


def _lookup(values: Mapping[str, Any], path: str) -> Any:
    node: Any = values
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def overrides_secret_name(release: HelmRelease, version: int) -> str:
    """Name of the Secret holding a release's secret overrides: `<release>-secret-values-v<version>`."""
    return versioned_name(f"{release.name}-secret-values", version)


def secret_parent(paths: Iterable[str]) -> str:
    """The one values path all secret overrides live under (`secret` for `secret.cmsToken`)."""
    parents = {path.rpartition(".")[0] for path in paths}
    if len(parents) != 1:
        raise ValueError(f"expected overrides under one parent, got {sorted(parents)}")
    return parents.pop()


def read_values_files(release: HelmRelease, project_dir: Path) -> list[dict[str, Any]]:
    """The release's values files, parsed, in order (`-f` order)."""
    documents = []
    for path in release.values_files:
        document = yaml.safe_load((project_dir / path).read_text(encoding="utf-8")) or {}
        if not isinstance(document, dict):
            raise ValueError(f"values file {path} is not a map of values")
        documents.append(document)
    return documents


def check_args(args: HelmChartReleaseArgs) -> list[str]:
    """Every contradiction in the arguments, as sentences that say how to fix it (empty: none).

    Pure apart from reading the chart directory and values files; runs before any resource exists.
    """
    release = args.release
    where = f"Helm release {release.name}"
    problems: list[str] = []
    if release.repository is None and not (args.project_dir / release.chart / "Chart.yaml").is_file():
        problems.append(
            f"{where}: chart {release.chart} is not a chart directory of the project "
            "(no Chart.yaml); give the path of a local chart, or a repository and version"
        )
    for path in release.values_files:
        if not (args.project_dir / path).is_file():
            problems.append(f"{where}: values file {path} does not exist; fix the path in valuesFiles")
    if args.secret_version < 1:
        problems.append(f"{where}: secret_version must be at least 1")
    if not 1 <= args.rotation_days <= 365:
        problems.append(f"{where}: rotation_days must be between 1 and 365")

    declared = [o.path for o in release.secret_values]
    for path in sorted({p for p in declared if declared.count(p) > 1}):
        problems.append(f"{where}: secret override {path} is declared twice; keep one")
    for path in sorted(set(declared) - set(args.secret_values)):
        problems.append(f"{where}: no value was provided for secret override {path}")
    for path in sorted(set(args.secret_values) - set(declared)):
        problems.append(f"{where}: a value was provided for {path}, which is not a declared secret override")
    problems += _platform_maps_set_elsewhere(args, where)
    if not declared:
        return problems

    if any("." not in path for path in declared):
        problems.append(
            f"{where}: secret overrides must be nested under a values key (secret.token, not token), "
            f"where the chart also reads {EXISTING_SECRET}"
        )
        return problems
    try:
        parent = secret_parent(declared)
    except ValueError:
        problems.append(
            f"{where}: all secret overrides must share one parent key (such as secret.*), "
            f"since one Secret named at <parent>.{EXISTING_SECRET} delivers them; "
            f"got {', '.join(sorted({p.rpartition('.')[0] for p in declared}))}"
        )
        return problems
    existing = f"{parent}.{EXISTING_SECRET}"
    if existing in declared:
        problems.append(f"{where}: {existing} names the Secret, it cannot be a secret override itself")
    for path in sorted({*declared, existing} & set(args.sets)):
        problems.append(f"{where}: {path} is set by the platform; remove it from the plain overrides (sets)")
    if problems:
        return problems
    plain = merge_values(read_values_files(release, args.project_dir), release.values, {})
    for path in declared:
        if _lookup(plain, path) not in (None, ""):
            problems.append(
                f"{where}: {path} has a value in valuesFiles or values; a secret never goes in a values "
                "file or the stack's plain values: leave it empty there and keep it in secretValues"
            )
    if _lookup(plain, existing) not in (None, ""):
        problems.append(
            f"{where}: {existing} is set in valuesFiles or values, but the platform sets it to the Secret "
            "holding secretValues; remove it there"
        )
    return problems


def _platform_maps_set_elsewhere(args: HelmChartReleaseArgs, where: str) -> list[str]:
    """A map the platform sets (the BFF's `config.apps`) merges with one of the values, key by key, as
    in Helm: a grant written in a values file would reach the chart unseen by `apps:` and the access
    report. Such a map must be empty in the values files and the stack's `values`."""
    maps = [path for path, value in args.sets.items() if isinstance(value, Mapping)]
    if not maps or any(not (args.project_dir / f).is_file() for f in args.release.values_files):
        return []
    plain = merge_values(read_values_files(args.release, args.project_dir), args.release.values, {})
    return [
        f"{where}: {path} is set by the platform (from the stack config); leave it empty in valuesFiles "
        "and values"
        for path in maps
        if _lookup(plain, path)
    ]


def overrides_version(release: HelmRelease, catalogue: Mapping[str, CatalogueEntry]) -> int:
    """A version for the overrides Secret that grows whenever a catalogue secret it reads is rotated.

    `catalogue` is catalogue name -> entry. Versions only ever grow, so their sum does too; it is
    derived from names and versions only, never from a value.
    """
    return max(1, sum(catalogue[name].version for name in {o.secret for o in release.secret_values}))


def overrides_rotation_days(release: HelmRelease, catalogue: Mapping[str, CatalogueEntry]) -> int:
    """The overrides may live as long as the shortest-lived catalogue secret they copy."""
    return min((catalogue[o.secret].rotation_days for o in release.secret_values), default=90)


@dataclass(frozen=True, kw_only=True)
class BffWiring:
    """What `charts/bff` is wired to beside the stack's `bff:` block: the CMS and the certificates."""

    apps: Sequence[MobileApp]
    """The stack's `apps:`: each app's secrets (names only) and rate limit become `config.apps`."""
    serving_secret: str
    """The pod's own certificate Secret (`BffCertificates.serving_secret`, from the internal CA): what
    the pod serves, and whose `ca.crt`, the internal CA that also signs the CMS's certificate, is the
    one CA the BFF trusts for the CMS."""
    cms_url: pulumi.Input[str] | None = None
    """The CMS's in-cluster URL (`Cms.url`); None without a CMS."""
    cms_collection: pulumi.Input[str] | None = None
    """The mobile secrets' collection (`Cms.collection`)."""


def apps_values(apps: Sequence[MobileApp]) -> dict[str, dict[str, Any]]:
    """`config.apps` of the chart (the BFF's apps file): app -> its secrets' names and rate limit."""
    return {
        app.name: {"secrets": list(app.secrets), "rateLimitPerMinute": app.rate_limit_per_minute}
        for app in apps
    }


def bff_sets(bff: BffConfig, wiring: BffWiring) -> dict[str, pulumi.Input[Any]]:
    """The `--set` overrides of `charts/bff` that the stack and the platform decide.

    Of the `bff:` block, only settings the stack states explicitly are set, so a model default never
    overrides a values file (values.prod.yaml's 3 replicas survive `replicas` left unset). The image
    is always set: the CMS Jobs run `bff.image` too, and the chart must run the same.
    """
    stated = bff.model_fields_set
    mapping = {
        "hostname": "ingress.hostname",
        "oauth_issuer": "config.oauth.issuer",
        "oauth_audience": "config.oauth.audience",
        "allowed_cidrs": "ingress.allowedCidrs",
        "rate_limit_per_minute": "ingress.rateLimitPerMinute",
        "cache_ttl_seconds": "config.cache.ttlSeconds",
        "cache_max_entries": "config.cache.maxEntries",
        "replicas": "replicaCount",
    }
    sets: dict[str, pulumi.Input[Any]] = {
        path: getattr(bff, name) for name, path in mapping.items() if name in stated
    }
    # The platform declares the Ingress (components/mobile/bff_ingress.py) and the NetworkPolicies
    # (components/kubernetes/namespace.py) itself, where policies see them; NetworkPolicies are
    # additive, so the chart's own (wider in values.prod.yaml) would widen the platform's.
    sets["ingress.enabled"] = False
    sets["networkPolicy.enabled"] = False
    sets["tls.existingSecret"] = wiring.serving_secret
    sets["config.apps"] = apps_values(wiring.apps)
    if wiring.cms_url is not None:
        sets["config.cms.url"] = wiring.cms_url
    if wiring.cms_collection is not None:
        sets["config.cms.collection"] = wiring.cms_collection
    sets["config.cms.caSecretName"] = wiring.serving_secret
    sets["config.cms.caConfigMap"] = ""
    sets["config.cms.caKey"] = "ca.crt"
    reference, _, digest = bff.image.partition("@")
    repository, colon, tag = reference.rpartition(":")
    if not colon or "/" in tag:  # no tag: `registry:5000/bff` has a colon in the host only
        repository, tag = reference, ""
    sets["image.repository"] = repository
    sets["image.tag"] = tag
    sets["image.digest"] = digest
    return sets


# --- the component -----------------------------------------------------------------------------


class HelmChartRelease(pulumi.ComponentResource):
    """`helm install` of a chart with values files, plain values, and secret overrides as a Secret."""

    release_name: pulumi.Output[str]
    """Name of the Helm release."""
    status: pulumi.Output[str]
    """Status of the release (`deployed`)."""
    secret_name: str | None
    """Name of the Secret holding the secret overrides (`None` when there are none)."""

    def __init__(
        self, name: str, args: HelmChartReleaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_args(args)
        if problems:
            raise ValueError("\n".join(problems))
        super().__init__("secrets-platform:helm_release:HelmChartRelease", name, None, opts)
        release = args.release
        secret = _overrides_secret(name, args, self)
        sets = dict(args.sets)
        depends_on: list[pulumi.Resource] = []
        self.secret_name = None
        if secret is not None:
            self.secret_name = overrides_secret_name(release, args.secret_version)
            parent = secret_parent(args.secret_values)
            # The name is known before the Secret exists, so the values stay plain and known in a
            # preview; `depends_on` orders the Secret first (and deletes the old one last).
            sets[f"{parent}.{EXISTING_SECRET}"] = self.secret_name
            depends_on.append(secret)
        files = read_values_files(release, args.project_dir)
        values = pulumi.Output.from_input(sets).apply(
            lambda resolved: merge_values(files, dict(release.values), resolved)
        )
        local = release.repository is None
        helm_release = k8s.helm.v3.Release(
            f"{name}-release",
            name=release.name,
            # `./` keeps a local chart a path: Helm reads `charts/bff` as chart `bff` of repo `charts`.
            chart=f"./{release.chart}" if local else release.chart,
            version=release.version,
            repository_opts=None if local else k8s.helm.v3.RepositoryOptsArgs(repo=release.repository),
            namespace=_namespace(args),
            values=values,
            # A failed install or upgrade rolls back and deletes what it created.
            atomic=True,
            cleanup_on_fail=True,
            # Wait for the rollout (atomic needs it); 10 minutes per operation.
            skip_await=False,
            timeout=600,
            # Release records are Secrets of the release: keep a few for `helm rollback`.
            max_history=10,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*depends_on, *args.depends_on]),
        )
        self.release_name = helm_release.name.apply(lambda n: n or release.name)
        self.status = helm_release.status.status
        self.register_outputs(
            {"release_name": self.release_name, "status": self.status, "secret_name": self.secret_name}
        )


def _namespace(args: HelmChartReleaseArgs) -> pulumi.Input[str]:
    return args.namespace if args.namespace is not None else args.release.namespace


def _overrides_secret(
    name: str, args: HelmChartReleaseArgs, parent: pulumi.Resource
) -> k8s.core.v1.Secret | None:
    """The immutable Secret holding the overrides, keyed by the last segment of each path."""
    release = args.release
    if not release.secret_values:
        return None
    string_data = {
        override.path.rpartition(".")[2]: pulumi.Output.secret(args.secret_values[override.path])
        for override in release.secret_values
    }
    return k8s.core.v1.Secret(
        f"{name}-secret-values",
        metadata={
            "name": overrides_secret_name(release, args.secret_version),
            "namespace": _namespace(args),
            "labels": {
                **MANAGED_BY,
                "app.kubernetes.io/instance": release.name,
                "secrets-platform/version": str(args.secret_version),
            },
            "annotations": {
                # Read by the rotation policies (policies/rotation.py), like every platform Secret's.
                ROTATION_ANNOTATION: str(args.rotation_days),
                # Where each key comes from (catalogue secret and key), never the value.
                "secrets-platform/sources": ",".join(
                    f"{o.path.rpartition('.')[2]}={o.secret}/{o.key}" for o in release.secret_values
                ),
            },
        },
        type="Opaque",
        immutable=True,
        string_data=pulumi.Output.secret(pulumi.Output.all(**string_data)),
        opts=pulumi.ResourceOptions(parent=parent, delete_before_replace=False),
    )
