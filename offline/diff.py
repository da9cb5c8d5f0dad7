"""`secrets-platform diff`: what a change does to a stack, as Markdown ready to post on a pull request.

Two plans (the base branch's and the change's, both made offline and without credentials) are
matched by URN: resources to create, update, replace and delete; for a replacement, the property
that forces it (`REPLACE_RULES`, a small table per type, plus each resource's `replaceOnChanges`);
property-level changes of plain values; secret inputs only as `[secret]` with whether they changed;
the policy violations the change introduces or fixes; and who gains or loses read access to which
secret (`offline.access`).

How a secret change is known without any secret. The offline engine never holds a secret value:
the plan's secret inputs are placeholders, and the plan records only where each one comes from
(`secretSources`: a config key path, a file path, a generating resource's URN; see
`offline.plan`). What "changed" means follows from that provenance, decided in memory:

- a config key: in `--base` mode, the `secure:` ciphertext of that key in each side's stack file.
  A ciphertext is not a secret, but it is compared here and dropped: it is never printed, written
  or hashed. A new ciphertext means the value was set again (Pulumi re-encrypts even an equal value
  with a fresh nonce); a changed `encryptionsalt`/`encryptedkey` re-encrypts everything, so values
  are then unknown;
- a file: in `--base` mode, the two files' contents, compared in memory;
- a generated value: changed when the generating resource is created or replaced (its `keepers`
  changed), which both plans show;
- a different source on each side (another config key, file or generator): changed;
- anything else, and every config or file source when only two plan files are given: unknown
  ("plan files hold no secret material").

Nothing this module prints or writes holds a value, a ciphertext or a hash; the rendered text is
checked for placeholders, generated canaries and the ciphertexts it compared before it leaves.

Modes:

    secrets-platform diff --base-plan A.json --plan B.json [--base-violations A.json --violations B.json]
    secrets-platform diff --stack dev --base origin/main [--out diff.md] [--no-check]

The second plans (and checks) the working tree and the git ref, each in its own process with the
same interpreter (`python -m offline.cli --project-dir <tree> plan|check ...`), the ref's tree
extracted with `git archive`: the ref's code plans the ref, and module state never mixes.

Exit codes: 0 the diff was made, 1 a plan failed its own checks or a planner did not run, 2 the
stack config is wrong, 3 usage errors (a missing ref, a plan file of another format).
"""

from __future__ import annotations

import argparse
import dataclasses
import filecmp
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from pulumi.runtime import rpc

from offline import exits
from offline.access import access_report
from offline.leaks import CANARY, LeakScanner
from offline.plan import EXIT_CONFIG, EXIT_PLAN, MASK, Plan, Resource, _covered
from offline.runtime import SIG_KEY, join

EXIT_USAGE = exits.USAGE

COMMENT_LIMIT = 60_000
"""Characters a rendered diff may take: GitHub refuses comments over 65,536."""
_VALUE_WIDTH = 96
_CHANGES_SHOWN = 40
_ROWS_SHOWN = 200
_CIPHERTEXT = re.compile(r"\bv1:[A-Za-z0-9+/]{12,}={0,2}:[A-Za-z0-9+/]{16,}={0,2}")


# --- what forces a replacement ------------------------------------------------------------------


@dataclass(frozen=True)
class ReplaceRule:
    """Input paths whose change makes the provider replace the resource instead of updating it."""

    paths: tuple[str, ...]
    """Input paths (dots for keys, `[i]` for items); `*` is every input."""
    reason: str
    """Why, in a few words, for the review."""


_K8S_SOURCE = "pulumi-kubernetes provider/pkg/provider/diff.go (forceNew)"
REPLACE_RULES: dict[str, tuple[ReplaceRule, ...]] = {
    # pulumi-kubernetes diff.go metadataForceNewProperties: every object.
    "kubernetes:*": (
        ReplaceRule(
            ("metadata.name", "metadata.namespace"), "a Kubernetes object is known by name and namespace"
        ),
    ),
    # diff.go forceNewProperties: a Secret's .type, .stringData and .data (a ConfigMap's .data and
    # .binaryData) force a replacement unless the provider sets enableSecretMutable
    # (enableConfigMapMutable) and the object is not `immutable: true` (see `_mutable`).
    "kubernetes:core/v1:Secret": (
        ReplaceRule(("type", "data", "stringData"), "Secret data and type are replaced, never updated"),
    ),
    "kubernetes:core/v1:ConfigMap": (
        ReplaceRule(("data", "binaryData"), "ConfigMap data is replaced, never updated"),
    ),
    "kubernetes:core/v1:Service": (ReplaceRule(("spec.clusterIP",), "a Service's clusterIP is immutable"),),
    # diff.go: deployment/daemonset/statefulSet `.spec.selector`, job `.spec.template`, roleBinding `.roleRef`.
    "kubernetes:apps/v1:Deployment": (
        ReplaceRule(("spec.selector",), "a Deployment's selector is immutable"),
    ),
    "kubernetes:apps/v1:StatefulSet": (
        ReplaceRule(
            ("spec.selector", "spec.serviceName", "spec.volumeClaimTemplates", "spec.podManagementPolicy"),
            "these StatefulSet fields are immutable",
        ),
    ),
    "kubernetes:batch/v1:Job": (
        ReplaceRule(("spec.selector", "spec.template"), "a Job's pod template is immutable"),
    ),
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": (
        ReplaceRule(("roleRef",), "a binding's roleRef is immutable"),
    ),
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": (
        ReplaceRule(("roleRef",), "a binding's roleRef is immutable"),
    ),
    # helm_release.go Diff: forceNewFields ".name", ".namespace".
    "kubernetes:helm.sh/v3:Release": (
        ReplaceRule(("name", "namespace"), "a Helm release is known by name and namespace"),
    ),
    # terraform-provider-random: every argument of every resource RequiresReplace; `keepers` exist
    # to force a new value.
    "random:*": (ReplaceRule(("*",), "a random value is drawn again when any input (keepers) changes"),),
    # terraform-provider-aws ForceNew arguments (resource names and identity).
    "aws:secretsmanager/secret:Secret": (ReplaceRule(("name", "namePrefix"), "the secret's name"),),
    "aws:secretsmanager/secretVersion:SecretVersion": (
        ReplaceRule(("secretId", "secretString", "secretBinary"), "a secret version is immutable"),
    ),
    "aws:kms/key:Key": (
        ReplaceRule(
            ("customerMasterKeySpec", "keyUsage", "multiRegion"), "a KMS key's spec and usage are fixed"
        ),
    ),
    "aws:kms/alias:Alias": (ReplaceRule(("name", "namePrefix"), "the alias name"),),
    "aws:iam/role:Role": (ReplaceRule(("name", "namePrefix", "path"), "the role's name and path"),),
    "aws:iam/policy:Policy": (
        ReplaceRule(("name", "namePrefix", "path", "description"), "the policy's name"),
    ),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (
        ReplaceRule(("role", "policyArn"), "an attachment is its role and policy"),
    ),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (ReplaceRule(("url",), "the issuer URL"),),
    "aws:eks/cluster:Cluster": (ReplaceRule(("name", "roleArn"), "the cluster's name and role"),),
    "aws:eks/nodeGroup:NodeGroup": (
        ReplaceRule(
            (
                "clusterName",
                "nodeGroupName",
                "nodeGroupNamePrefix",
                "nodeRoleArn",
                "subnetIds",
                "instanceTypes",
                "capacityType",
                "diskSize",
            ),
            "a node group's name, role, subnets and instance types are fixed",
        ),
    ),
    "aws:eks/accessEntry:AccessEntry": (
        ReplaceRule(("clusterName", "principalArn", "type"), "an access entry is its cluster and principal"),
    ),
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": (
        ReplaceRule(
            ("clusterName", "principalArn", "policyArn"), "an association is its principal and policy"
        ),
    ),
    "aws:cloudwatch/logGroup:LogGroup": (ReplaceRule(("name", "namePrefix"), "the log group's name"),),
    "aws:lambda/function:Function": (ReplaceRule(("name",), "the function's name"),),
    "aws:sns/topic:Topic": (ReplaceRule(("name", "namePrefix", "fifoTopic"), "the topic's name"),),
    # Azure Resource Manager: path parameters (resource group and resource name) and `location`
    # are create-only (pulumi-azure-native marks them forceNew).
    "azure-native:*": (
        ReplaceRule(("resourceGroupName", "location"), "an Azure resource's group and location"),
    ),
    "azure-native:keyvault:Vault": (ReplaceRule(("vaultName",), "the vault's name"),),
    "azure-native:keyvault:Key": (ReplaceRule(("vaultName", "keyName"), "the key's vault and name"),),
    "azure-native:keyvault:Secret": (
        ReplaceRule(("vaultName", "secretName"), "the secret's vault and name"),
    ),
    "azure-native:containerservice:ManagedCluster": (ReplaceRule(("resourceName",), "the cluster's name"),),
    "azure-native:managedidentity:UserAssignedIdentity": (
        ReplaceRule(("resourceName",), "the identity's name"),
    ),
    "azure-native:authorization:RoleAssignment": (
        ReplaceRule(
            ("scope", "roleAssignmentName", "principalId", "roleDefinitionId"),
            "a role assignment cannot be updated",
        ),
    ),
}
"""Type (or `<package>:*` for every type of a package) -> what forces a replacement, and why."""


def replace_rules(resource_type: str) -> tuple[ReplaceRule, ...]:
    """The rules of a type: its package's, then its own."""
    package = resource_type.split(":", 1)[0]
    return REPLACE_RULES.get(f"{package}:*", ()) + REPLACE_RULES.get(resource_type, ())


def _matches(pattern: str, path: str) -> bool:
    """A rule or option path covers a changed input path (either may be the other's ancestor)."""
    if pattern == "*":
        return True
    return any(a == b or a.startswith((b + ".", b + "[")) for a, b in ((path, pattern), (pattern, path)))


# --- provenance: where secrets come from, compared in memory ------------------------------------


UNCHANGED, CHANGED, UNKNOWN, ADDED, REMOVED = "unchanged", "changed", "unknown", "added", "removed"


class Provenance:
    """Both sides' stack files and project files, compared in memory for `--base` mode.

    Only verdicts leave this object (changed or not, and why, by key name or path); the
    ciphertexts and file contents it reads stay in it, and `forbidden()` hands them to the output
    guard only.
    """

    def __init__(self, base_dir: Path, head_dir: Path, stack: str) -> None:
        self.base_dir, self.head_dir, self.stack = base_dir, head_dir, stack
        self._docs = {
            side: _stack_doc(path, stack) for side, path in (("base", base_dir), ("head", head_dir))
        }
        self._projects = {
            side: _project_name(path) for side, path in (("base", base_dir), ("head", head_dir))
        }
        self._verdicts: dict[tuple[str, str], tuple[str, str]] = {}
        """(kind, key or path) -> verdict: `diff_plans` asks twice (two passes), files feed many leaves."""

    @property
    def rekeyed(self) -> bool:
        """The stack's secrets provider or its key changed: every ciphertext differs."""
        keys = ("secretsprovider", "encryptionsalt", "encryptedkey")
        return any(self._docs["base"].get(k) != self._docs["head"].get(k) for k in keys)

    def config(self, key: str) -> tuple[str, str]:
        """Did the `secure:` value at a config key path change? Only the verdict is returned."""
        if ("config", key) not in self._verdicts:
            self._verdicts[("config", key)] = self._config(key)
        return self._verdicts[("config", key)]

    def _config(self, key: str) -> tuple[str, str]:
        base = _secure_at(self._docs["base"], self._projects["base"], key)
        head = _secure_at(self._docs["head"], self._projects["head"], key)
        if base is None or head is None:
            return (
                UNKNOWN,
                f"`{key}` holds no `secure:` value on the {'base' if base is None else 'head'} side",
            )
        if base == head:
            return UNCHANGED, f"same ciphertext of `{key}`"
        if self.rekeyed:
            return UNKNOWN, f"`{key}` was re-encrypted: the stack's secrets provider or key changed"
        return CHANGED, f"`{key}` has a new ciphertext (its value was set again)"

    def file(self, path: str) -> tuple[str, str]:
        """Did a file that a secret is read from change? Compared in memory, bytes to bytes."""
        if ("file", path) not in self._verdicts:
            self._verdicts[("file", path)] = self._file(path)
        return self._verdicts[("file", path)]

    def _file(self, path: str) -> tuple[str, str]:
        base, head = (self.base_dir / path).resolve(), (self.head_dir / path).resolve()
        if not (
            base.is_relative_to(self.base_dir.resolve()) and head.is_relative_to(self.head_dir.resolve())
        ):
            return UNKNOWN, f"`{path}` is outside the project"
        try:
            same = base.read_bytes() == head.read_bytes()
        except OSError:
            return UNKNOWN, f"`{path}` is missing on one side"
        return (UNCHANGED, f"`{path}` is unchanged") if same else (CHANGED, f"`{path}` changed")

    def same_file(self, base_path: str, head_path: str) -> bool | None:
        """Whether a file the base plan names (an asset, an archive) has the head's bytes."""
        try:
            base, head = Path(base_path).resolve(), Path(head_path).resolve()
            if not (
                base.is_relative_to(self.base_dir.resolve()) and head.is_relative_to(self.head_dir.resolve())
            ):
                return None
            return filecmp.cmp(base, head, shallow=False)
        except OSError:
            return None

    def forbidden(self) -> list[str]:
        """Every ciphertext and key envelope read, for the output guard only."""
        found: list[str] = []
        for doc in self._docs.values():
            found += list(_secure_values(doc.get("config")))
            found += [str(doc[k]) for k in ("encryptionsalt", "encryptedkey") if doc.get(k)]
        return found


def _stack_doc(project_dir: Path, stack: str) -> dict[str, Any]:
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        return {}
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return doc if isinstance(doc, dict) else {}


def _project_name(project_dir: Path) -> str:
    path = project_dir / "Pulumi.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    return str(doc.get("name", "")) if isinstance(doc, dict) else ""


def _secure_values(value: Any) -> Iterator[str]:
    """Every `secure:` string in a config tree."""
    if isinstance(value, dict):
        if set(value) == {"secure"} and isinstance(value["secure"], str):
            yield value["secure"]
            return
        for v in value.values():
            yield from _secure_values(v)
    elif isinstance(value, list):
        for v in value:
            yield from _secure_values(v)


def _secure_at(doc: dict[str, Any], project: str, key_path: str) -> str | None:
    """The `secure:` string at a placeholder's key path (`ns:key`, then `.k` / `[i]` steps)."""
    for raw, value in (doc.get("config") or {}).items():
        full = str(raw) if ":" in str(raw) else f"{project}:{raw}"
        if key_path == full or key_path.startswith((full + ".", full + "[")):
            node = _walk(value, key_path[len(full) :])
            if isinstance(node, dict) and set(node) == {"secure"} and isinstance(node["secure"], str):
                return node["secure"]
            return None
    return None


def _walk(node: Any, rest: str) -> Any:
    if not rest:
        return node
    if rest.startswith("[") and isinstance(node, list):
        end = rest.index("]")
        index = int(rest[1:end])
        return _walk(node[index], rest[end + 1 :]) if index < len(node) else None
    if rest.startswith(".") and isinstance(node, dict):
        # Keys may hold dots (`tls.crt`): try the longest key that fits.
        for key in sorted((str(k) for k in node), key=len, reverse=True):
            tail = rest[1 + len(key) :]
            if rest[1:].startswith(key) and (not tail or tail[0] in ".["):
                return _walk(node[key], tail)
    return None


# --- the diff ---------------------------------------------------------------------------------

_MISSING: Any = object()


@dataclass
class PropertyChange:
    """One plain input (or option) that differs; values are plain, never secret."""

    path: str
    old: Any
    new: Any
    ignored: bool = False
    """Listed in the resource's `ignoreChanges`: the engine keeps the old value."""


@dataclass
class SecretChange:
    """One secret input leaf: shown as `[secret]`, with a verdict and a reason without values."""

    path: str
    status: str
    detail: str


@dataclass
class ResourceChange:
    """A resource to create, update, replace or delete."""

    action: str
    urn: str
    type: str
    name: str
    custom: bool
    properties: list[PropertyChange] = field(default_factory=list)
    options: list[PropertyChange] = field(default_factory=list)
    secrets: list[SecretChange] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    """Why it is replaced: `path` (rule reason)."""
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AccessChange:
    """A reader that gains or loses read access to a secret."""

    change: str
    secret: str
    reader_kind: str
    reader: str
    through: str
    verbs: tuple[str, ...]


@dataclass(frozen=True)
class ViolationChange:
    """A policy violation the change introduces or fixes."""

    change: str
    policy: str
    level: str
    urn: str
    message: str


@dataclass
class Diff:
    """Everything the review needs, free of secret material."""

    stack: str
    base_label: str
    head_label: str
    mode: str
    """`base` (provenance compared) or `plans` (two plan files)."""
    resources: list[ResourceChange]
    unchanged: int
    access: list[AccessChange]
    violations: list[ViolationChange] | None
    """None when no violations were given for both sides."""
    unseen_secrets: int = 0
    """Secret inputs whose sources are the same on both sides but whose values this diff cannot see."""
    unseen_files: int = 0
    """File assets and archives of the same name whose contents two plan files cannot compare."""
    version_follows: list[str] = field(default_factory=list)
    """Readers whose access moved with a rotation (`ns/name-vN` -> `-vM`): not an access change."""

    def count(self, action: str) -> int:
        return sum(1 for r in self.resources if r.action == action and r.custom)


def _walk_inputs(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Leaves of an input tree; empty maps and lists are leaves too."""
    if isinstance(value, dict) and value:
        for k, v in value.items():
            yield from _walk_inputs(v, join(path, k))
    elif isinstance(value, list) and value:
        for i, v in enumerate(value):
            yield from _walk_inputs(v, join(path, i))
    else:
        yield path, value


_FILE_SIGS = {rpc._special_asset_sig: "asset", rpc._special_archive_sig: "archive"}
"""Pulumi's wire signatures of file assets and archives (the engine diffs them by content)."""


def _file_assets(value: Any, path: str = "") -> dict[str, dict[str, Any]]:
    """Input path -> every asset or archive node that names a file (`path`)."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) in _FILE_SIGS and isinstance(value.get("path"), str):
            return {path: value}
        return {k: v for key, item in value.items() for k, v in _file_assets(item, join(path, key)).items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in _file_assets(item, join(path, i)).items()}
    return {}


def _same_place(a: str, b: str) -> str | None:
    """The shared tail of two absolute file paths from two checkouts (`out/x.zip`); None if none."""
    if a == b:
        return a
    left, right = PurePosixPath(a), PurePosixPath(b)
    if not (left.is_absolute() and right.is_absolute()):
        return None
    shared = 0
    while (
        shared < min(len(left.parts), len(right.parts)) - 1
        and left.parts[-1 - shared] == right.parts[-1 - shared]
    ):
        shared += 1
    return "/".join(left.parts[-shared:]) if shared else None


def _plain_changes(
    base: Resource, head: Resource, provenance: Provenance | None = None
) -> tuple[list[PropertyChange], int]:
    """Plain input changes; second, file assets whose content this diff cannot compare."""
    secret = list(base.secret_paths) + list(head.secret_paths)
    ignore = list(head.options.get("ignoreChanges") or [])
    old_files, new_files = _file_assets(base.inputs), _file_assets(head.inputs)
    files = sorted(set(old_files) & set(new_files), key=_path_key)
    old = {p: v for p, v in _walk_inputs(base.inputs) if not _covered(p, secret + files)}
    new = {p: v for p, v in _walk_inputs(head.inputs) if not _covered(p, secret + files)}
    changes = []
    for path in sorted(set(old) | set(new), key=_path_key):
        before, after = old.get(path, _MISSING), new.get(path, _MISSING)
        if before != after:
            changes.append(PropertyChange(path, before, after, any(_matches(i, path) for i in ignore)))
    # A file asset is the same when it is the same file of each checkout with the same bytes.
    unseen = 0
    for path in files:
        before, after = old_files[path]["path"], new_files[path]["path"]
        kind = _FILE_SIGS[new_files[path][SIG_KEY]]
        place = _same_place(before, after)
        ignored = any(_matches(i, path) for i in ignore)
        if place is None:
            changes.append(PropertyChange(join(path, "path"), before, after, ignored))
        elif provenance is None:
            unseen += 1
        elif provenance.same_file(before, after) is False:
            changes.append(PropertyChange(path, f"{kind} {place}", f"{kind} {place}, new content", ignored))
    # A secret path that was plain on one side: say so, show no value.
    for path in sorted(set(base.secret_paths) ^ set(head.secret_paths)):
        became = "now a secret" if path in head.secret_paths else "no longer a secret"
        changes.append(PropertyChange(path, MASK, f"({became})"))
    return changes, unseen


def _path_key(path: str) -> list[Any]:
    return [int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", path) if p]


_OPTIONS = (
    "protect",
    "retainOnDelete",
    "deleteBeforeReplace",
    "ignoreChanges",
    "replaceOnChanges",
    "aliases",
)


def _option_changes(base: Resource, head: Resource) -> list[PropertyChange]:
    changes = []
    for key in _OPTIONS:
        before, after = base.options.get(key), head.options.get(key)
        if before != after and (before or after):  # None, False and [] all mean the default
            changes.append(PropertyChange(key, before, after))
    before, after = base.provider.rsplit("::", 1)[0], head.provider.rsplit("::", 1)[0]
    if before != after:
        changes.append(PropertyChange("provider", before, after))
    return changes


def _replacement(resource: Resource, changed: list[str], plans: dict[str, Resource]) -> list[str]:
    """Why a resource with these changed input paths is replaced (empty: it is updated in place)."""
    reasons = []
    for rule in replace_rules(resource.type):
        for pattern in rule.paths:
            hits = [p for p in changed if _matches(pattern, p)]
            if not hits:
                continue
            data = pattern in ("data", "stringData", "binaryData")
            if data and resource.type in _MUTABLE_FLAG and _mutable(resource, plans):
                continue
            shown = hits[0] if pattern == "*" else pattern
            reasons.append(f"`{shown}` changed: {rule.reason}")
    for pattern in resource.options.get("replaceOnChanges") or []:
        hits = [p for p in changed if _matches(pattern, p)]
        if hits:
            reasons.append(f"`{hits[0]}` changed: listed in the resource's `replaceOnChanges` (`{pattern}`)")
    return list(dict.fromkeys(reasons))


_MUTABLE_FLAG = {
    "kubernetes:core/v1:Secret": "enableSecretMutable",
    "kubernetes:core/v1:ConfigMap": "enableConfigMapMutable",
}


def _mutable(resource: Resource, plans: dict[str, Resource]) -> bool:
    """Data updated in place: the provider's `enableSecretMutable` (or ConfigMap flag), not immutable."""
    if resource.inputs.get("immutable") in (True, "true"):
        return False
    provider = plans.get(resource.provider.rsplit("::", 1)[0])
    return bool(provider and provider.inputs.get(_MUTABLE_FLAG[resource.type]) in (True, "true"))


def _deletes_first(old: Resource, new: Resource) -> bool:
    """Whether a replacement deletes the old resource before creating the new one.

    The `deleteBeforeReplace` option says so; pulumi-kubernetes also forces it when the new object
    keeps the old name and namespace (provider.go Diff: the two cannot exist at once).
    """
    if new.options.get("deleteBeforeReplace"):
        return True
    if not new.type.startswith("kubernetes:") or new.type.startswith("kubernetes:helm.sh/"):
        return False
    before, after = old.inputs.get("metadata") or {}, new.inputs.get("metadata") or {}
    return bool(after.get("name")) and all(before.get(k) == after.get(k) for k in ("name", "namespace"))


def _source_text(source: dict[str, str]) -> str:
    kind = source.get("kind")
    if kind == "config":
        return f"config key `{source.get('key')}`"
    if kind == "file":
        return f"file `{source.get('path')}`"
    if kind == "generated":
        return f"generated by `{str(source.get('urn', '')).rsplit('::', 1)[-1]}`"
    return "computed by the program"


def _leaf_sources(resource: Resource) -> dict[str, list[dict[str, str]]]:
    """Secret leaf -> sources; a plan without `secretSources` gives each secret path no source."""
    return resource.secret_sources or {path: [] for path in resource.secret_paths}


def _secret_changes(
    base: Resource | None,
    head: Resource,
    provenance: Provenance | None,
    regenerated: dict[str, str],
) -> tuple[list[SecretChange], list[SecretChange]]:
    """Each secret leaf's verdict; second, the leaves whose sources are the same but whose values
    this diff cannot see (listed only for resources that change for other reasons)."""
    head_sources = _leaf_sources(head)
    if base is None:
        return [
            SecretChange(
                path, ADDED, "from " + ", ".join(_source_text(s) for s in sources) if sources else ""
            )
            for path, sources in sorted(head_sources.items())
        ], []
    base_sources = _leaf_sources(base)
    if provenance is not None and not base.secret_sources and head.secret_sources:
        # A base planned by code that predates `secretSources`: assume it read the same sources.
        base_sources = {p: s for p, s in head_sources.items() if _covered(p, base.secret_paths)}
    found: list[SecretChange] = []
    unseen: list[SecretChange] = []
    for path in sorted(set(base_sources) | set(head_sources), key=_path_key):
        if path not in head_sources:
            found.append(SecretChange(path, REMOVED, ""))
            continue
        if path not in base_sources:
            sources = head_sources[path]
            found.append(SecretChange(path, ADDED, "from " + ", ".join(_source_text(s) for s in sources)))
            continue
        before, after = base_sources[path], head_sources[path]
        status, detail = _compare_sources(before, after, provenance, regenerated)
        if status == UNKNOWN and before == after:
            unseen.append(SecretChange(path, status, detail))
            continue
        found.append(SecretChange(path, status, detail))
    return found, unseen


def _compare_sources(
    before: list[dict[str, str]],
    after: list[dict[str, str]],
    provenance: Provenance | None,
    regenerated: dict[str, str],
) -> tuple[str, str]:
    if not before or not after:
        return UNKNOWN, "the plan records no source for it"
    if _canonical(before) != _canonical(after):
        was = ", ".join(_source_text(s) for s in before)
        now = ", ".join(_source_text(s) for s in after)
        return CHANGED, f"now from {now} (was {was})"
    verdicts = []
    for source in after:
        kind = source.get("kind")
        if kind == "generated":
            urn = source.get("urn", "")
            name = urn.rsplit("::", 1)[-1]
            if urn in regenerated:
                verdicts.append((CHANGED, f"regenerated: `{name}` is {regenerated[urn]}"))
            else:
                verdicts.append((UNCHANGED, f"same generated value (`{name}` is kept)"))
        elif provenance is None:
            verdicts.append((UNKNOWN, "plan files hold no secret material"))
        elif kind == "config":
            verdicts.append(provenance.config(source.get("key", "")))
        elif kind == "file":
            verdicts.append(provenance.file(source.get("path", "")))
        else:
            verdicts.append((UNKNOWN, "computed by the program from other resources; not compared"))
    statuses = {s for s, _ in verdicts}
    status = CHANGED if CHANGED in statuses else UNKNOWN if UNKNOWN in statuses else UNCHANGED
    return status, "; ".join(d for s, d in verdicts if s == status)


def _canonical(sources: list[dict[str, str]]) -> list[tuple[tuple[str, str], ...]]:
    return sorted(tuple(sorted(s.items())) for s in sources)


def diff_plans(
    base: Plan,
    head: Plan,
    *,
    provenance: Provenance | None = None,
    base_violations: dict[str, Any] | None = None,
    head_violations: dict[str, Any] | None = None,
    base_label: str = "base",
    head_label: str = "this change",
) -> Diff:
    """Compare two plans of one stack (matched by URN); a pure function of its arguments."""
    olds, news = base.by_urn(), head.by_urn()
    changes: dict[str, ResourceChange] = {}
    for urn in sorted(set(news) - set(olds)):
        r = news[urn]
        changes[urn] = ResourceChange("create", urn, r.type, r.name, r.custom)
    for urn in sorted(set(olds) - set(news)):
        r = olds[urn]
        change = ResourceChange("delete", urn, r.type, r.name, r.custom)
        if r.options.get("protect"):
            change.notes.append("protected: `pulumi up` refuses to delete it until `protect` is removed")
        if r.options.get("retainOnDelete"):
            change.notes.append("retainOnDelete: it leaves the stack but stays in the cloud")
        changes[urn] = change

    plain: dict[str, list[PropertyChange]] = {}
    unseen_files = 0
    for urn in sorted(set(olds) & set(news)):
        old, new = olds[urn], news[urn]
        properties, unseen_here = _plain_changes(old, new, provenance)
        unseen_files += unseen_here
        plain[urn] = properties
        change = ResourceChange("update", urn, new.type, new.name, new.custom, properties=properties)
        change.options = _option_changes(old, new)
        change.reasons = _replacement(new, [p.path for p in properties if not p.ignored], news)
        changes[urn] = change

    # Secrets: generated values follow their generator, and a changed value may force a replacement
    # (of a Secret whose data is immutable), which may regenerate nothing further: two passes settle it.
    hidden_by_urn: dict[str, list[SecretChange]] = {}
    for _ in range(2):
        regenerated = {
            urn: "created" if c.action == "create" else f"replaced ({c.reasons[0].split(':')[0]})"
            for urn, c in changes.items()
            if c.action == "create" or (c.action == "update" and c.reasons)
        }
        for urn in sorted(news):
            new = news[urn]
            if not (new.secret_paths or (urn in olds and olds[urn].secret_paths)):
                continue
            change = changes[urn]
            secrets, hidden = _secret_changes(olds.get(urn), new, provenance, regenerated)
            change.secrets = secrets
            hidden_by_urn[urn] = hidden
            if change.action == "update":
                changed = [p.path for p in plain[urn] if not p.ignored] + [
                    s.path for s in secrets if s.status in (CHANGED, ADDED, REMOVED)
                ]
                change.reasons = _replacement(new, changed, news)
                maybe = [s.path for s in hidden + secrets if s.status == UNKNOWN]
                note = "replaced if a secret value changed (this diff cannot see values)"
                change.notes = [n for n in change.notes if n != note]
                if maybe and not change.reasons and _replacement(new, maybe, news):
                    change.notes.append(note)

    for urn, change in changes.items():
        if change.action != "update":
            continue
        if change.reasons:
            change.action = "replace"
            new = news[urn]
            if new.options.get("protect"):
                change.notes.append("protected: `pulumi up` refuses to replace it until `protect` is removed")
            if not _deletes_first(olds[urn], new):
                change.notes.insert(0, "create before delete")
            elif new.options.get("deleteBeforeReplace"):
                change.notes.insert(0, "delete before create (`deleteBeforeReplace`)")
            else:
                change.notes.insert(
                    0,
                    "delete before create: the new object keeps the old name, so the provider deletes the old "
                    "one first and readers see no object meanwhile (a new `version` rotates without a gap)",
                )
            literal = [s for s in change.secrets if s.detail.startswith("same ciphertext")]
            if (
                literal
                and all(s.status == UNCHANGED for s in change.secrets)
                and new.type.endswith(":Secret")
            ):
                change.notes.append(
                    "its values are unchanged: rotating a literal secret needs a new value "
                    "(`pulumi config set --secret`) as well as a new version"
                )
    listed = [
        c
        for c in changes.values()
        if c.action != "update"
        or any(not p.ignored for p in c.properties)
        or c.options
        or any(s.status != UNCHANGED for s in c.secrets)
    ]
    listed_urns = {c.urn for c in listed}
    unseen = 0
    for urn, c in changes.items():
        if urn in listed_urns:
            c.secrets = sorted(c.secrets + hidden_by_urn.get(urn, []), key=lambda s: _path_key(s.path))
        else:
            c.secrets = []
            unseen += len(hidden_by_urn.get(urn, []))
    order = {"replace": 0, "delete": 1, "create": 2, "update": 3}
    listed.sort(key=lambda c: (order[c.action], not c.custom, c.type, c.name))
    unchanged = sum(1 for urn in set(olds) & set(news) if olds[urn].custom and urn not in listed_urns)

    access, follows = diff_access(base, head)
    violations = (
        diff_violations(base_violations, head_violations)
        if base_violations is not None and head_violations is not None
        else None
    )
    return Diff(
        stack=head.stack or base.stack,
        base_label=base_label,
        head_label=head_label,
        mode="base" if provenance is not None else "plans",
        resources=listed,
        unchanged=unchanged,
        access=access,
        violations=violations,
        unseen_secrets=unseen,
        unseen_files=unseen_files,
        version_follows=follows,
    )


def _unversioned(secret: str) -> str:
    return re.sub(r"-v\d+$", "", secret)


def _job_unversioned(through: str) -> str:
    """`Job cms/cms-writer-maps-api-key-v2 (...)` as `Job cms/cms-writer-maps-api-key-v# (...)`: the
    platform's Jobs are named after versions, so a rotation renames the Job that reads (not an access
    change, like the renamed Secret)."""
    return re.sub(r"^Job (\S+)", lambda m: "Job " + re.sub(r"\d+", "#", m.group(1)), through)


def diff_access(base: Plan, head: Plan) -> tuple[list[AccessChange], list[str]]:
    """Readers that gain or lose read access, matched by catalogue secret (its version ignored)."""

    def index(plan: Plan) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
        rows: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        for row in access_report(plan):
            rows[(_unversioned(row["secret"]), row["reader_kind"], row["reader"])].append(row)
        return rows

    before, after = index(base), index(head)
    changes, follows = [], []
    for key in sorted(set(before) | set(after)):
        old = {(_job_unversioned(r["through"]), tuple(r["verbs"])): r for r in before.get(key, [])}
        new = {(_job_unversioned(r["through"]), tuple(r["verbs"])): r for r in after.get(key, [])}
        rows = after.get(key) or before.get(key) or []
        if set(old) == set(new):
            versions = (
                {r["secret"] for r in before.get(key, [])},
                {r["secret"] for r in after.get(key, [])},
            )
            jobs = ({r["through"] for r in old.values()}, {r["through"] for r in new.values()})
            if versions[0] != versions[1]:
                follows.append(
                    f"`{key[2]}` reads {' / '.join(sorted(versions[1]))} (was {' / '.join(sorted(versions[0]))})"
                )
            elif jobs[0] != jobs[1]:
                follows.append(
                    f"`{key[2]}` reads {' / '.join(sorted(versions[1]))} through "
                    f"{' / '.join(sorted(jobs[1]))} (was {' / '.join(sorted(jobs[0]))})"
                )
            continue
        secret = rows[0]["secret"]
        for found in sorted(set(new) - set(old)):
            changes.append(AccessChange("gains", secret, key[1], key[2], new[found]["through"], found[1]))
        for found in sorted(set(old) - set(new)):
            secret_before = (before.get(key) or rows)[0]["secret"]
            changes.append(
                AccessChange("loses", secret_before, key[1], key[2], old[found]["through"], found[1])
            )
    return changes, follows


def diff_violations(base: dict[str, Any], head: dict[str, Any]) -> list[ViolationChange]:
    """Violations only one side has, matched by (policy, URN, message), then by (policy, URN)."""

    def rows(doc: dict[str, Any]) -> list[tuple[str, str, str, str]]:
        return [
            (v.get("policy", ""), v.get("urn", ""), v.get("enforcementLevel", ""), v.get("message", ""))
            for v in doc.get("violations", [])
        ]

    old, new = rows(base), rows(head)
    left_old, left_new = list(old), []
    for row in new:
        if row in left_old:
            left_old.remove(row)
        else:
            left_new.append(row)
    # The same policy on the same resource with another message (a threshold moved): not news.
    for row in list(left_new):
        twin = next((o for o in left_old if o[:2] == row[:2]), None)
        if twin is not None:
            left_old.remove(twin)
            left_new.remove(row)
    return [ViolationChange("introduced", p, lvl, u, m) for p, u, lvl, m in left_new] + [
        ViolationChange("fixed", p, lvl, u, m) for p, u, lvl, m in left_old
    ]


# --- Markdown -----------------------------------------------------------------------------------

_SYMBOL = {"create": "+", "update": "~", "replace": "+-", "delete": "-"}
_STATUS = {
    CHANGED: "changed",
    UNCHANGED: "unchanged",
    UNKNOWN: "changed: unknown",
    ADDED: "new",
    REMOVED: "removed",
}


def _code(text: str) -> str:
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    if len(text) > _VALUE_WIDTH:
        text = text[: _VALUE_WIDTH - 1] + "…"
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _value(value: Any, start: int = 0) -> str:
    """A plain value in a code span; long strings from `start` (where two values first differ)."""
    if value is _MISSING:
        return "(none)"
    if isinstance(value, str):
        return _code(("…" + value[start:]) if start else value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _code(json.dumps(value, sort_keys=True))


def _first_difference(old: Any, new: Any) -> int:
    """Where to start showing two long strings so that their difference is in view."""
    if not (isinstance(old, str) and isinstance(new, str)) or max(len(old), len(new)) <= _VALUE_WIDTH:
        return 0
    same = next(
        (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new))
    )
    return max(0, same - _VALUE_WIDTH // 3)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


def _detail(change: SecretChange) -> str:
    """` (why)` for unknown verdicts, `: why` otherwise."""
    if not change.detail or change.detail == change.status:
        return ""
    return f" ({change.detail})" if change.status == UNKNOWN else f": {change.detail}"


def _short(urn: str) -> str:
    return urn.rsplit("::", 1)[-1] if urn else "(stack)"


def render_markdown(diff: Diff, limit: int = COMMENT_LIMIT) -> str:
    """The diff as GitHub-flavoured Markdown: summary, resources, secrets, access, policies.

    Within `limit` characters: per-resource details go first, then tables are shortened (each says
    how many rows it left out), and only as a last resort is the text cut.
    """
    for rows in (_ROWS_SHOWN, 100, 50, 20, 5):
        text = _render(diff, limit, rows)
        if len(text) <= limit:
            return text
    cut = text[: max(0, limit - 120)].rsplit("\n", 1)[0]
    return cut + "\n\n_The diff was cut to fit a pull request comment: run the command for all of it._\n"


def _table(header: list[str], rows: list[str], shown: int) -> list[str]:
    title = "|" + "|".join(f" {h} " if h else " " for h in header) + "|"
    lines = [title, "|" + "---|" * len(header), *rows[:shown]]
    if len(rows) > shown:
        lines.append(f"| … and {len(rows) - shown} more |" + " |" * (len(header) - 1))
    return lines


def _render(diff: Diff, limit: int, max_rows: int) -> str:
    counts = {a: diff.count(a) for a in ("create", "update", "replace", "delete")}
    head = [
        f"### Offline diff of stack `{diff.stack}`",
        "",
        f"{_code(diff.base_label)} → {_code(diff.head_label)}: **{counts['create']} to create, "
        f"{counts['update']} to update, {counts['replace']} to replace, {counts['delete']} to delete**, "
        f"{diff.unchanged} unchanged (custom resources; components not counted).",
        "",
    ]
    body: list[str] = []
    custom = [c for c in diff.resources if c.custom]
    if custom:
        rows = []
        for c in custom:
            why = (
                "; ".join(c.reasons)
                if c.action == "replace"
                else ", ".join(
                    [p.path for p in c.properties if not p.ignored][:3]
                    + [
                        f"{s.path} ([secret] {_STATUS[s.status]})" for s in c.secrets if s.status != UNCHANGED
                    ][:2]
                )
            )
            rows.append(
                f"| `{_SYMBOL[c.action]}` {c.action} | `{_cell(c.name)}` | `{_cell(c.type)}` | {_cell(why)} |"
            )
        body += [*_table(["", "resource", "type", "why"], rows, max_rows), ""]
    else:
        body += ["No resource changes.", ""]

    details: list[list[str]] = []
    for c in custom:
        lines = [f"#### `{_SYMBOL[c.action]}` {c.action} `{c.name}` ({_code(c.type)})", ""]
        if c.reasons:
            lines.append("Replaced because " + "; ".join(c.reasons) + ".")
        lines += [f"- note: {n}" for n in c.notes]
        listed_here = c.properties[:_CHANGES_SHOWN]
        for p in listed_here:
            suffix = " (ignored: `ignoreChanges`)" if p.ignored else ""
            if p.old is MASK:
                lines.append(f"- `{p.path}`: [secret] {p.new}{suffix}")
            else:
                start = _first_difference(p.old, p.new)
                lines.append(f"- `{p.path}`: {_value(p.old, start)} → {_value(p.new, start)}{suffix}")
        if len(c.properties) > len(listed_here):
            lines.append(f"- … and {len(c.properties) - len(listed_here)} more changed inputs")
        lines += [f"- option `{o.path}`: {_value(o.old)} → {_value(o.new)}" for o in c.options]
        lines += [f"- `{s.path}`: [secret], {_STATUS[s.status]}{_detail(s)}" for s in c.secrets]
        if c.action in ("create", "delete") and not c.secrets and not c.notes:
            continue
        details.append([*lines, ""])

    secrets = [(c, s) for c in custom for s in c.secrets if s.status != UNCHANGED]
    tail: list[str] = ["#### Secret values", ""]
    if secrets:
        tail += _table(
            ["resource", "secret input", "value"],
            [
                f"| `{_cell(c.name)}` | `{_cell(s.path)}` | [secret], {_STATUS[s.status]}{_cell(_detail(s))} |"
                for c, s in secrets
            ],
            max_rows,
        )
    else:
        tail.append("No secret input changes.")
    if diff.unseen_secrets:
        tail.append("")
        tail.append(
            f"{diff.unseen_secrets} secret input(s) keep their sources; whether their values changed is "
            + (
                "unknown: they are computed by the program from other resources."
                if diff.mode == "base"
                else "unknown (plan files hold no secret material): run `secrets-platform diff --stack "
                f"{diff.stack} --base <ref>` to compare the stack files."
            )
        )
    tail += ["", "#### Access to secrets", ""]
    if diff.access:
        tail += _table(
            ["", "secret", "reader", "through", "verbs"],
            [
                f"| {a.change} | `{_cell(a.secret)}` | {a.reader_kind} `{_cell(a.reader)}` | {_cell(a.through)} | "
                f"{', '.join(a.verbs)} |"
                for a in diff.access
            ],
            max_rows,
        )
    else:
        tail.append("No reader gains or loses read access.")
    if diff.version_follows:
        follows = diff.version_follows[:max_rows]
        more = (
            f"; and {len(diff.version_follows) - max_rows} more"
            if len(diff.version_follows) > max_rows
            else ""
        )
        tail += ["", "Readers that follow a rotation: " + "; ".join(follows) + more + "."]
    tail += ["", "#### Policy violations", ""]
    if diff.violations is None:
        tail.append("Not compared (no violations given for both sides).")
    elif diff.violations:
        tail += _table(
            ["", "level", "policy", "resource", "message"],
            [
                f"| {v.change} | {v.level} | `{v.policy}` | `{_cell(_short(v.urn))}` | {_cell(v.message)} |"
                for v in diff.violations
            ],
            max_rows,
        )
    else:
        tail.append("None introduced, none fixed.")
    tail.append("")

    text = head + body
    budget = limit - len("\n".join(text + tail)) - 200
    used, dropped = 0, 0
    for block in details:
        size = len("\n".join(block)) + 1
        if used + size > budget:
            dropped += 1
            continue
        used += size
        text += block
    if dropped:
        text += [f"_{dropped} resource detail(s) left out to fit a pull request comment._", ""]
    if diff.unseen_files:
        text += [
            f"{diff.unseen_files} file asset(s) or archive(s) keep their names; plan files hold no file "
            "contents, so a new content shows only through other inputs (such as a `codeSha256`).",
            "",
        ]
    return "\n".join(text + tail)


def guard(text: str, forbidden: list[str] | None = None) -> str:
    """Last line of defence: no placeholder, canary or ciphertext leaves, whatever produced the text."""
    for secret in sorted(forbidden or [], key=len, reverse=True):
        if len(secret) >= 8:
            text = text.replace(secret, MASK)
    text = _CIPHERTEXT.sub(MASK, CANARY.sub(MASK, text))
    # A line still holding one in another form (hex, base64, upper-cased, escaped) is withheld whole.
    scanner = LeakScanner(forbidden or [])
    return "\n".join(
        "(a line withheld: it held secret material)" if scanner.found_in(line) else line
        for line in text.split("\n")
    )


# --- --base: plan a git ref and the working tree ------------------------------------------------


class DiffError(Exception):
    """The diff could not be made; `code` is the exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DiffError(f"git {' '.join(args)}: {result.stderr.strip() or 'failed'}", EXIT_USAGE)
    return result.stdout.strip()


def extract_ref(project_dir: Path, ref: str, into: Path) -> tuple[Path, str]:
    """The project as it is at `ref` (`git archive`, no git state changed); returns its dir and SHA."""
    top = Path(_git(project_dir, "rev-parse", "--show-toplevel"))
    prefix = _git(project_dir, "rev-parse", "--show-prefix")
    try:
        sha = _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except DiffError:
        raise DiffError(
            f"{ref!r} is not a commit of this repository (fetch it first, e.g. `git fetch origin main`)",
            EXIT_USAGE,
        ) from None
    with subprocess.Popen(["git", "archive", "--format=tar", sha], cwd=top, stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
            archive.extractall(into, filter="data")
    if proc.returncode != 0:
        raise DiffError(f"git archive {ref} failed", EXIT_USAGE)
    return into / prefix, sha


def _run_offline(project_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m offline.cli --project-dir <dir> ...` in a fresh process, importing that tree's code."""
    env = {**os.environ, "PYTHONPATH": str(project_dir)}
    env.pop("SECRETS_PLATFORM_PROJECT", None)
    return subprocess.run(
        [sys.executable, "-m", "offline.cli", "--project-dir", str(project_dir), *args],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _plan_tree(
    project_dir: Path, stack: str, out: Path, check: bool, label: str
) -> tuple[Plan, dict[str, Any] | None]:
    """Plan (and check) one tree in its own processes; an absent stack file is an empty stack."""
    if not (project_dir / f"Pulumi.{stack}.yaml").is_file():
        empty = {"format": "secrets-platform/violations", "violations": []}
        return Plan(_project_name(project_dir), stack, "", []), empty if check else None
    out.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        planning = pool.submit(
            _run_offline, project_dir, "plan", "--stack", stack, "--out", str(out / "plan.json")
        )
        checking = (
            pool.submit(_run_offline, project_dir, "check", "--stack", stack, "--out", str(out / "check"))
            if check
            else None
        )
        planned = planning.result()
        checked = checking.result() if checking else None
    if planned.returncode != 0 or not (out / "plan.json").is_file():
        message = guard(planned.stderr.strip() or planned.stdout.strip())[-3000:]
        code = EXIT_CONFIG if planned.returncode == EXIT_CONFIG else EXIT_PLAN
        raise DiffError(f"the plan of {label} failed:\n{message}", code)
    plan = Plan.from_json(json.loads((out / "plan.json").read_text(encoding="utf-8")))
    violations = None
    if checked is not None:
        report = out / "check" / "violations.json"
        if report.is_file():
            violations = json.loads(report.read_text(encoding="utf-8"))
        else:
            message = guard(checked.stderr.strip() or checked.stdout.strip())[-2000:]
            raise DiffError(f"the policy check of {label} failed:\n{message}", EXIT_PLAN)
    return plan, violations


def diff_against_ref(
    project_dir: Path, stack: str, ref: str, *, check: bool = True
) -> tuple[Diff, list[str]]:
    """Plan the working tree and `ref` and compare them; returns the diff and the output guard's list."""
    with tempfile.TemporaryDirectory(prefix="secrets-platform-diff-") as tmp:
        work = Path(tmp)
        base_dir, sha = extract_ref(project_dir, ref, work / "base")
        with ThreadPoolExecutor(max_workers=2) as pool:
            base = pool.submit(_plan_tree, base_dir, stack, work / "out-base", check, f"{ref} ({sha[:12]})")
            head = pool.submit(_plan_tree, project_dir, stack, work / "out-head", check, "the working tree")
            base_plan, base_violations = base.result()
            head_plan, head_violations = head.result()
        provenance = Provenance(base_dir, project_dir, stack)
        diff = diff_plans(
            base_plan,
            head_plan,
            provenance=provenance,
            base_violations=base_violations,
            head_violations=head_violations,
            base_label=f"{ref} ({sha[:12]})",
            head_label="working tree",
        )
        return diff, provenance.forbidden()


# --- the command ----------------------------------------------------------------------------


def _read_json(path: str, what: str) -> dict[str, Any]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DiffError(f"{what} {path}: {exc}", EXIT_USAGE) from None
    if not isinstance(doc, dict):
        raise DiffError(f"{what} {path}: not a JSON object", EXIT_USAGE)
    return doc


def _read_plan(path: str) -> Plan:
    try:
        return Plan.from_json(_read_json(path, "plan"))
    except (KeyError, ValueError) as exc:
        raise DiffError(f"plan {path}: {exc}", EXIT_USAGE) from None


def run_diff(args: argparse.Namespace, project_dir: Path) -> str:
    """The Markdown for the `diff` subcommand's arguments; raises `DiffError`."""
    diff, forbidden = compute_diff(args, project_dir)
    return guard(render_markdown(diff, limit=getattr(args, "max_chars", COMMENT_LIMIT)), forbidden)


def compute_diff(args: argparse.Namespace, project_dir: Path) -> tuple[Diff, list[str]]:
    """The diff the arguments ask for, and the secret strings no output may show; raises `DiffError`."""
    forbidden: list[str] = []
    if args.base:
        if args.base_plan or args.plan or args.base_violations or args.violations:
            raise DiffError(
                "--base plans both sides itself: drop --base-plan, --plan and --*violations", EXIT_USAGE
            )
        diff, forbidden = diff_against_ref(project_dir, args.stack, args.base, check=not args.no_check)
    else:
        if not (args.base_plan and args.plan):
            raise DiffError("give --base <git ref>, or both --base-plan and --plan", EXIT_USAGE)
        if bool(args.base_violations) != bool(args.violations):
            raise DiffError("give both --base-violations and --violations, or neither", EXIT_USAGE)
        diff = diff_plans(
            _read_plan(args.base_plan),
            _read_plan(args.plan),
            base_violations=_read_json(args.base_violations, "violations") if args.base_violations else None,
            head_violations=_read_json(args.violations, "violations") if args.violations else None,
            base_label=Path(args.base_plan).name,
            head_label=Path(args.plan).name,
        )
    return diff, forbidden


def diff_json(diff: Diff, forbidden: list[str]) -> dict[str, Any]:
    """The diff as data (camelCase keys), every string that holds secret material masked."""
    scanner = LeakScanner(forbidden)

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {_camel(str(k)): clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        if isinstance(value, str):
            masked = CANARY.sub(MASK, value)
            return MASK if scanner.found_in(masked) else masked
        return value

    return clean(dataclasses.asdict(diff))


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def introduced_mandatory(diff: Diff) -> list[ViolationChange]:
    """Mandatory violations the change brings: the diff's verdict, like `check`'s."""
    return [v for v in diff.violations or [] if v.change == "introduced" and v.level == "mandatory"]


def cmd_diff(args: argparse.Namespace, project_dir: Path) -> int:
    """The `diff` subcommand (registered in offline/cli.py): Markdown (or `--json`) on stdout; exit 4
    when the change introduces a mandatory violation."""
    try:
        diff, forbidden = compute_diff(args, project_dir)
    except DiffError as exc:
        print(f"error: {guard(str(exc))}", file=sys.stderr)
        return exc.code
    text = guard(render_markdown(diff, limit=getattr(args, "max_chars", COMMENT_LIMIT)), forbidden)
    if getattr(args, "json", False):
        body = {**diff_json(diff, forbidden), "markdown": text}
        sys.stdout.write(
            json.dumps({"format": "secrets-platform/diff", "version": 1, **body}, indent=1) + "\n"
        )
    elif args.out != "-":
        sys.stdout.write(text)
    if args.out:
        if args.out == "-":
            sys.stdout.write(text)
        elif not Path(args.out).parent.is_dir():
            print(
                f"error: --out {args.out}: the folder {Path(args.out).parent} does not exist", file=sys.stderr
            )
            return exits.BAD_INPUT
        else:
            Path(args.out).write_text(text, encoding="utf-8")
            print(f"Diff written to {args.out}", file=sys.stderr)
    return exits.VIOLATIONS if introduced_mandatory(diff) else exits.OK
