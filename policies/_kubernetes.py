"""Kubernetes shapes: where each kind keeps its pod spec, and the objects a ConfigGroup declares.

The pack judges every pod-bearing kind the same way, and judges the objects inside a
`kubernetes:yaml/v2:ConfigGroup` (its `objs` and `yaml` inputs) as the resources the provider
registers for them under `pulumi preview`. Nothing here imports `components/` or `offline/`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs

from policies._support import as_list, dig, is_unknown, plain, unknown_at

# --- Helm releases ----------------------------------------------------------------------------

HELM_RELEASES = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart")
"""The two ways pulumi-kubernetes installs a chart; both take `chart` and `values`."""
_CHART_VERSION = re.compile(r"-v?\d+\.\d+\.\d+[0-9A-Za-z.+-]*$")


def chart_name(chart: Any) -> str:
    """The chart a release installs, by the chart's own name: `repo/name`, `oci://host/path/name`, a
    local `./charts/name` and a packaged `name-1.2.3.tgz` all give `name`; "" when unknown."""
    if not isinstance(chart, str) or is_unknown(chart):
        return ""
    name = chart.rstrip("/").rsplit("/", 1)[-1]
    for suffix in (".tgz", ".tar.gz"):
        if name.endswith(suffix):
            return _CHART_VERSION.sub("", name.removesuffix(suffix))
    return name


# --- pod-bearing kinds -----------------------------------------------------------------------

POD_TEMPLATE_PATHS = {
    "Pod": ("spec",),
    "PodTemplate": ("template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
"""Where each pod-bearing kind keeps its pod spec (Kubernetes API reference, workload resources)."""
_POD_BEARING = re.compile(
    r"^kubernetes:(?:core|apps|extensions|batch)/v[0-9a-z]+:(?P<kind>"
    + "|".join(POD_TEMPLATE_PATHS)
    + r")(?:Patch)?$"
)
"""Every API version of a pod-bearing kind, and its server-side-apply `...Patch` type (pulumi-kubernetes),
which can change a live object's pod template just as well."""


def pod_spec_path(resource_type: str) -> tuple[str, ...] | None:
    """The path of a pod-bearing type's pod spec; None for types that run no pod."""
    match = _POD_BEARING.match(resource_type)
    return POD_TEMPLATE_PATHS[match.group("kind")] if match else None


def pod_spec(resource_type: str, props: dict[str, Any]) -> dict[str, Any] | None:
    path = pod_spec_path(resource_type)
    if path is None:
        return None
    spec = dig(props, *path)
    return spec if isinstance(spec, dict) else None


def pod_template_metadata_path(resource_type: str) -> tuple[str, ...] | None:
    """Where a pod-bearing type keeps its pod template's metadata (None for a bare Pod)."""
    path = pod_spec_path(resource_type)
    if path is None or len(path) < 2:
        return None
    return (*path[:-1], "metadata")


def uses_secrets(spec: dict[str, Any]) -> bool:
    """Whether a pod spec mounts or reads a Secret (volume, projected source, env or envFrom)."""
    for volume in as_list(spec.get("volumes")):
        if dig(volume, "secret") is not None or any(
            dig(source, "secret") is not None for source in as_list(dig(volume, "projected", "sources"))
        ):
            return True
    for _, container in containers(spec):
        if any(dig(env, "valueFrom", "secretKeyRef") for env in as_list(container.get("env"))):
            return True
        if any(dig(source, "secretRef") for source in as_list(container.get("envFrom"))):
            return True
    return False


def containers(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(path, container) for containers, init containers and ephemeral containers of a pod spec."""
    found = []
    for field in ("containers", "initContainers", "ephemeralContainers"):
        for i, container in enumerate(as_list(spec.get(field))):
            if isinstance(container, dict):
                found.append((f"{field}[{i}]", container))
    return found


# --- objects declared inside other resources ---------------------------------------------------

CONFIG_GROUP_V2 = "kubernetes:yaml/v2:ConfigGroup"
"""A multi-language component: under `pulumi preview` the provider registers each object as a child,
under the offline plan only the component with its `objs` and `yaml` inputs is seen."""


def kubernetes_type(manifest: Any) -> str | None:
    """The Pulumi type token of a manifest (`apps/v1` `Deployment` -> `kubernetes:apps/v1:Deployment`)."""
    if not isinstance(manifest, dict):
        return None
    api_version, kind = manifest.get("apiVersion"), manifest.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str) or not api_version or not kind:
        return None
    if is_unknown(api_version) or is_unknown(kind):
        return None
    group_version = api_version if "/" in api_version else f"core/{api_version}"
    return f"kubernetes:{group_version}:{kind}"


def _manifests(value: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
    """Manifests in a value, `kind: List` and nested lists flattened."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(value, list):
        for i, item in enumerate(value):
            found += _manifests(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        if value.get("kind") == "List" and isinstance(value.get("items"), list):
            found += _manifests(value["items"], f"{where}.items")
        elif kubernetes_type(value):
            found.append((where, value))
    return found


def _yaml_documents(text: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
    """The manifests of YAML text (or a list of texts); unreadable text yields none (the provider
    refuses it, so nothing is declared)."""
    import yaml  # the pack's virtualenv is the project's: PyYAML is there

    found: list[tuple[str, dict[str, Any]]] = []
    texts = [text] if isinstance(text, str) else [t for t in as_list(text) if isinstance(t, str)]
    for t, chunk in enumerate(texts):
        if is_unknown(chunk):
            continue
        try:
            documents = list(yaml.safe_load_all(chunk))
        except yaml.YAMLError:
            continue
        label = where if len(texts) == 1 else f"{where}[{t}]"
        for d, document in enumerate(documents):
            found += _manifests(document, f"{label} document {d + 1}")
    return found


def embedded_objects(resource_type: str, props: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(where, type, manifest) of every object a resource declares inside its inputs.

    A `kubernetes:yaml/v2:ConfigGroup` declares each object of `objs` and of its `yaml` text; the
    real engine registers them as children, which the pack judges as resources of their own type.
    """
    if resource_type != CONFIG_GROUP_V2:
        return []
    found = _manifests(props.get("objs"), "objs") + _yaml_documents(props.get("yaml"), "yaml")
    return [(where, str(kubernetes_type(obj)), obj) for where, obj in found]


def with_manifests(validate: Any) -> Any:
    """A resource validator that also judges each object declared inside a ConfigGroup, as the
    resource the provider registers for it; the message names where the object is."""

    def validator(args: ResourceValidationArgs, report: Any) -> None:
        validate(args, report)
        if args.resource_type != CONFIG_GROUP_V2:
            return  # only a ConfigGroup declares objects: no copy of other resources' properties
        for where, resource_type, manifest in embedded_objects(args.resource_type, plain(args.props)):
            inner = ResourceValidationArgs(
                resource_type, manifest, args.urn, args.name, args.opts, args.provider, args.get_config()
            )
            validate(inner, lambda text, urn=None, where=where: report(f"{where}: {text}", urn))

    validator.__doc__ = validate.__doc__
    validator.__name__ = getattr(validate, "__name__", "validator")
    return validator


@dataclass(frozen=True)
class DeclaredObject:
    """A Kubernetes object of the stack: a resource, or an object a ConfigGroup declares."""

    resource: PolicyResource
    resource_type: str
    props: dict[str, Any]
    where: str
    """Empty for the resource itself, else where the object sits in the resource's inputs."""

    def namespace(self, default: str = "default") -> str | None:
        """The object's namespace; None when unknown (`default` is what the provider uses when unset)."""
        value = dig(self.props, "metadata", "namespace")
        if unknown_at(self.props, "metadata", "namespace"):
            return None
        return value if isinstance(value, str) and value else default

    def name(self) -> str | None:
        value = dig(self.props, "metadata", "name")
        return value if isinstance(value, str) and value else None

    def located(self, text: str) -> str:
        return f"{self.where}: {text}" if self.where else text


def declared_objects(resources: list[PolicyResource]) -> list[DeclaredObject]:
    """Every resource of a stack, and every object declared inside one, with plain properties."""
    found = []
    for resource in resources:
        props = plain(resource.props)
        found.append(DeclaredObject(resource, resource.resource_type, props, ""))
        for where, resource_type, manifest in embedded_objects(resource.resource_type, props):
            found.append(DeclaredObject(resource, resource_type, manifest, where))
    return found
