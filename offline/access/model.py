"""The rows of the access report, and the inventory of secrets a plan creates (names only).

A row says that `reader` (of kind `reader_kind`) can read `secret` (in `layer`) through `through`,
with `verbs`. `catalogue` is the catalogue entry whose value the secret holds, when there is one; a
Secret that holds copies of several entries (a Helm release's overrides Secret) gives one row per
entry. Every field is a name taken from the plan: never a value.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from offline.plan import Plan, Resource

KUBERNETES, SECRETS_MANAGER, KEY_VAULT, VAULT, CMS = (
    "kubernetes",
    "secrets-manager",
    "key-vault",
    "hashicorp-vault",
    "cms",
)
"""Layers: where the secret lives (a Kubernetes Secret, a cloud store, Vault's KV, the CMS)."""

LAYERS = (KUBERNETES, SECRETS_MANAGER, KEY_VAULT, VAULT, CMS)

COLUMNS = ("secret", "catalogue", "layer", "reader_kind", "reader", "through", "verbs")
"""The report's columns, in order."""

ALL = "*"
"""A namespace or name wildcard: every Secret of the scope, present and future."""

SECRET = "kubernetes:core/v1:Secret"
EXTERNAL_SECRET = "kubernetes:external-secrets.io/v1:ExternalSecret"
SECRET_STORE = "kubernetes:external-secrets.io/v1:SecretStore"
CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"

CATALOGUE_LABEL = "secrets-platform/secret"
"""Label of a Secret (or ExternalSecret) with the catalogue entry it holds (components/kubernetes/secret.py)."""
COPY_OF_LABEL = "secrets-platform/copy-of"
"""Label of a Secret that copies a catalogue entry into another namespace (components/mobile/cms_provisioner.py)."""
SOURCES_ANNOTATION = "secrets-platform/sources"
"""Annotation of a Helm overrides Secret: `field=entry/key,...` (components/kubernetes/helm_release.py)."""
_VERSIONED = re.compile(r"(?P<entry>.+)-v\d+")


def row(
    secret: str,
    layer: str,
    reader_kind: str,
    reader: str,
    through: str,
    verbs: list[str] | set[str] | frozenset[str],
    catalogue: str | None = None,
) -> dict[str, Any]:
    """One row, columns in `COLUMNS` order; verbs sorted."""
    return {
        "secret": secret,
        "catalogue": catalogue,
        "layer": layer,
        "reader_kind": reader_kind,
        "reader": reader,
        "through": through,
        "verbs": sorted(set(verbs)),
    }


def metadata(resource: Resource) -> dict[str, Any]:
    value = resource.inputs.get("metadata")
    return value if isinstance(value, dict) else {}


def name_of(resource: Resource) -> str:
    return str(metadata(resource).get("name") or resource.name)


def namespace_of(resource: Resource) -> str:
    return str(metadata(resource).get("namespace") or "default")


def as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [value] if value not in (None, "") else []


@dataclass
class Inventory:
    """The secrets a plan creates, by layer, with the catalogue entries they hold.

    Kubernetes Secrets are those the plan declares, those an ExternalSecret makes (its target), those
    a cert-manager Certificate makes (`spec.secretName`), and those a reader Role names (`<entry>-v<N>`,
    for Secrets made outside the plan). Store secrets are keyed by their name in the store.
    """

    kubernetes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """Namespace -> Secret names."""
    holds: dict[str, list[str]] = field(default_factory=dict)
    """`namespace/name` (Kubernetes) or store key -> catalogue entries it holds (usually one)."""
    copies: dict[str, str] = field(default_factory=dict)
    """`namespace/name` of a Secret holding copies -> what it copies, for the `through` column."""
    entries: dict[str, str] = field(default_factory=dict)
    """Catalogue entry -> `namespace/name` of its Kubernetes Secret (its current version)."""

    def catalogues(self, key: str) -> list[str | None]:
        """The catalogue entries held by a secret (one `None` when it holds none), in order."""
        return list(self.holds.get(key) or [None])

    def add(self, namespace: str, name: str, held: list[str] | None = None) -> None:
        self.kubernetes[namespace].add(name)
        key = f"{namespace}/{name}"
        if held:
            known = self.holds.setdefault(key, [])
            known += [h for h in held if h not in known]


def inventory(plan: Plan) -> Inventory:
    """Every secret the plan creates or names, and the catalogue entries each one holds."""
    found = Inventory()
    for r in plan.resources:
        meta = metadata(r)
        labels = meta.get("labels") if isinstance(meta.get("labels"), dict) else {}
        annotations = meta.get("annotations") if isinstance(meta.get("annotations"), dict) else {}
        if r.type == SECRET:
            ns, name = namespace_of(r), name_of(r)
            held = [labels[CATALOGUE_LABEL]] if labels.get(CATALOGUE_LABEL) else []
            if labels.get(COPY_OF_LABEL):
                held.append(labels[COPY_OF_LABEL])
                found.copies[f"{ns}/{name}"] = f"copy of {labels[COPY_OF_LABEL]}"
            sources = str(annotations.get(SOURCES_ANNOTATION) or "")
            pairs = [p.partition("=") for p in sources.split(",") if "=" in p]
            if pairs:
                held += [source.partition("/")[0] for _, _, source in pairs]
                found.copies[f"{ns}/{name}"] = "holds " + ", ".join(
                    f"{source} as {field_name}" for field_name, _, source in pairs
                )
            found.add(ns, name, held)
            if labels.get(CATALOGUE_LABEL):
                found.entries[labels[CATALOGUE_LABEL]] = f"{ns}/{name}"
        elif r.type == EXTERNAL_SECRET:
            spec = r.inputs.get("spec") if isinstance(r.inputs.get("spec"), dict) else {}
            target = (spec.get("target") or {}).get("name") or name_of(r)
            ns, entry = namespace_of(r), labels.get(CATALOGUE_LABEL)
            found.add(ns, str(target), [entry] if entry else None)
            if entry:
                found.entries[entry] = f"{ns}/{target}"
        elif r.type == CERTIFICATE:
            spec = r.inputs.get("spec") if isinstance(r.inputs.get("spec"), dict) else {}
            if spec.get("secretName"):
                found.add(namespace_of(r), str(spec["secretName"]))
    return found


def entry_of_versioned(name: str) -> str | None:
    """`orders-queue` for `orders-queue-v3`: the catalogue's naming of versioned Secrets."""
    match = _VERSIONED.fullmatch(name)
    return match.group("entry") if match else None
