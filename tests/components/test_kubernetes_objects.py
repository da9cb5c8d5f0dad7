"""Every Kubernetes object of both stacks' plans is valid against the official OpenAPI schema of the
cluster's version, strictly (unknown fields are errors, as the API server's strict field validation
makes them)."""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import kubernetes_validate.utils as kv_utils
import pytest
import yaml

from config.models import ClusterConfig
from offline.plan import MASK, Plan, Resource, make_plan
from tests.components._support import validate_custom_resources

ROOT = Path(__file__).resolve().parents[2]
STACKS = ["dev", "prod"]

NOT_OBJECTS = {"kubernetes:helm.sh/v3:Release"}
"""Pulumi resources of the kubernetes provider that are not themselves Kubernetes objects (a Helm
release's rendered manifests are validated with the chart)."""

MASKED_MAPS = {"stringData", "data"}
"""Secret maps the plan masks whole; validated as a map with one masked entry."""

EXPECTED_KINDS = {
    "Namespace",
    "NetworkPolicy",
    "ServiceAccount",
    "Secret",
    "Role",
    "RoleBinding",
    "Deployment",
    "Service",
    "ConfigMap",
    "Ingress",
    "Certificate",
    "ClusterIssuer",
    "Job",
}


@pytest.fixture(scope="module", autouse=True)
def cached_schemas() -> Iterator[None]:
    """kubernetes-validate re-reads its schema files on every call (6.5 ms an object);
    caching the two loaders makes it 0.3 ms."""
    original = (kv_utils.schema_contents, kv_utils.all_versions)
    kv_utils.schema_contents = functools.cache(kv_utils.schema_contents)
    kv_utils.all_versions = functools.cache(kv_utils.all_versions)
    try:
        yield
    finally:
        kv_utils.schema_contents, kv_utils.all_versions = original


@functools.cache
def _plan(stack: str) -> Plan:
    return make_plan(ROOT, stack)


CRD_GROUPS = ("kubernetes:external-secrets.io/", "kubernetes:cert-manager.io/")
"""Custom resources, validated against their CRDs with the pinned npm validators (tests/crd)."""


def kubernetes_version(stack: str) -> str:
    """The stack's `cluster.kubernetesVersion` as kubernetes-validate wants it (`1.31.0`)."""
    doc = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    cluster = doc["config"]["secrets-platform:cluster"]
    default = ClusterConfig.model_fields["kubernetes_version"].default
    return f"{cluster.get('kubernetesVersion', default)}.0"


def kubernetes_objects(plan: Plan) -> list[Resource]:
    return [
        r
        for r in plan.resources
        if r.custom and r.type.startswith("kubernetes:") and r.type not in NOT_OBJECTS
    ]


def to_manifest(resource: Resource) -> dict[str, Any]:
    """The plan's inputs are already a camelCase manifest; only whole masked maps need a shape."""
    manifest = copy.deepcopy(resource.inputs)
    for path in resource.secret_paths:
        if path in MASKED_MAPS and manifest.get(path) == MASK:
            manifest[path] = {"masked": MASK}
    return manifest


def _problems(plan: Plan, version: str) -> list[str]:
    problems = []
    custom = [r for r in kubernetes_objects(plan) if r.type.startswith(CRD_GROUPS)]
    if custom:  # External Secrets and cert-manager objects: against their CRDs (npm validators)
        results = validate_custom_resources([to_manifest(r) for r in custom])
        problems += [
            f"{r.urn}: {res['message']}" for r, res in zip(custom, results, strict=True) if not res["valid"]
        ]
    for resource in kubernetes_objects(plan):
        if resource.type.startswith(CRD_GROUPS):
            continue
        try:
            kubernetes_validate.validate(to_manifest(resource), version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            where = ".".join(str(p) for p in exc.path) or "(object)"
            problems.append(f"{resource.urn}: {where}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            problems.append(f"{resource.urn}: {exc.message} (validate custom resources against their CRD)")
    return problems


@pytest.mark.parametrize("stack", STACKS)
def test_every_kubernetes_object_is_valid_for_the_cluster_version(stack: str) -> None:
    plan = _plan(stack)
    kinds = {r.inputs.get("kind") for r in kubernetes_objects(plan)}
    assert kinds >= EXPECTED_KINDS, f"stack {stack} lacks kinds {EXPECTED_KINDS - kinds}"
    assert _problems(plan, kubernetes_version(stack)) == []


def test_validation_is_strict_about_unknown_fields() -> None:
    deployment = next(r for r in _plan("dev").resources if r.type == "kubernetes:apps/v1:Deployment")
    manifest = to_manifest(deployment)
    manifest["spec"]["template"]["spec"]["containers"][0]["securityContext"]["runAsNonroot"] = True
    with pytest.raises(kubernetes_validate.ValidationError, match="runAsNonroot"):
        kubernetes_validate.validate(manifest, kubernetes_version("dev"), strict=True)


def test_a_masked_secret_map_validates_as_a_map() -> None:
    secret = next(r for r in _plan("dev").resources if r.type == "kubernetes:core/v1:Secret")
    assert secret.inputs["stringData"] == MASK, f"{secret.urn}: the plan masks the values"
    assert to_manifest(secret)["stringData"] == {"masked": MASK}, secret.urn
