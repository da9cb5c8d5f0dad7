"""Who reads Kubernetes Secrets: RBAC as the authorizer evaluates it, and the pods that mount them.

- RBAC: Roles and ClusterRoles, bound by RoleBindings (limited to their namespace) and
  ClusterRoleBindings (every namespace). A rule reaches Secrets when its `apiGroups` hold `""` or `*`
  and its `resources` hold `secrets` or `*`; `get`, `list`, `watch` and `*` return a Secret's data
  (Kubernetes RBAC docs, "Referring to resources"; `list`/`watch` return every Secret they match). A
  rule without `resourceNames` reaches every Secret of its scope, present and future.
- Pods: the kubelet reads a Secret a pod mounts (`secret` and `projected` volumes), references in
  env (`valueFrom.secretKeyRef`, `envFrom.secretRef`) or pulls images with (`imagePullSecrets`),
  whatever RBAC says; its reader is the pod's ServiceAccount.
- Helm releases: a release's pods read the Secrets its values name at `<...>.existingSecret` (the
  Helm convention the platform's overrides Secret and `charts/bff` follow; tests/offline render
  `charts/bff` with Helm's own engine to prove the two agree).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from offline.access.model import (
    ALL,
    HELM_RELEASE,
    KUBERNETES,
    Inventory,
    as_list,
    entry_of_versioned,
    name_of,
    namespace_of,
    row,
)
from offline.plan import Plan, Resource

RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"
ROLE, CLUSTER_ROLE = RBAC + "Role", RBAC + "ClusterRole"
ROLE_BINDING, CLUSTER_ROLE_BINDING = RBAC + "RoleBinding", RBAC + "ClusterRoleBinding"
POD_OWNERS = {
    "kubernetes:apps/v1:Deployment": ("Deployment", ("spec", "template", "spec")),
    "kubernetes:apps/v1:StatefulSet": ("StatefulSet", ("spec", "template", "spec")),
    "kubernetes:apps/v1:DaemonSet": ("DaemonSet", ("spec", "template", "spec")),
    "kubernetes:apps/v1:ReplicaSet": ("ReplicaSet", ("spec", "template", "spec")),
    "kubernetes:batch/v1:Job": ("Job", ("spec", "template", "spec")),
    "kubernetes:batch/v1:CronJob": ("CronJob", ("spec", "jobTemplate", "spec", "template", "spec")),
    "kubernetes:core/v1:Pod": ("Pod", ("spec",)),
}
"""Kinds whose pods read Secrets, and the path of their pod spec."""

READ_VERBS = frozenset({"get", "list", "watch", "*"})
"""Verbs that return a Secret's data."""

EXISTING_SECRET = "existingSecret"
WRITER_SECRET_DIR = "WRITER_SECRET_DIR"
"""The variable naming the mount of the Secret a CMS writer Job writes (bff/writer.py)."""

_SUBJECT_KINDS = {"ServiceAccount": "workload", "Group": "group", "User": "user"}


@dataclass(frozen=True)
class Rule:
    names: tuple[str, ...]
    """Secret names the rule is limited to; empty means every Secret in scope."""
    verbs: frozenset[str]


def secret_rules(rules: Any) -> list[Rule]:
    """The rules of a Role or ClusterRole that reach Secrets (core API group, `secrets` resource)."""
    found = []
    for rule in as_list(rules):
        if not isinstance(rule, dict):
            continue
        groups, resources = as_list(rule.get("apiGroups")), as_list(rule.get("resources"))
        if ("" in groups or ALL in groups) and ("secrets" in resources or ALL in resources):
            found.append(
                Rule(tuple(as_list(rule.get("resourceNames"))), frozenset(as_list(rule.get("verbs"))))
            )
    return found


def targets(rule: Rule, scope: str, known: dict[str, set[str]]) -> list[str]:
    """`namespace/name` of every Secret a rule reaches in a scope (a namespace, or `*` for all).

    Names the plan knows are listed one by one; what the rule reaches beyond them is a wildcard:
    `<namespace>/*` for a rule without `resourceNames`, `*/<name>` for a cluster-wide one with them.
    """
    found = []
    for ns in sorted(known) if scope == ALL else [scope]:
        present = known.get(ns, set())
        if rule.names:
            found += [f"{ns}/{n}" for n in rule.names if scope != ALL or n in present]
        else:
            found += [f"{ns}/{n}" for n in sorted(present)]
    if not rule.names:
        found.append(f"{scope}/{ALL}")
    elif scope == ALL:
        found += [f"{ALL}/{n}" for n in rule.names]
    return found


def secret_rows(
    inventory: Inventory, secret: str, reader_kind: str, reader: str, through: str, verbs: Any
) -> list[dict[str, Any]]:
    """Rows for one Kubernetes Secret (one per catalogue entry it holds)."""
    copies = inventory.copies.get(secret)
    note = f"{through}; {copies}" if copies else through
    return [
        row(secret, KUBERNETES, reader_kind, reader, note, verbs, catalogue)
        for catalogue in inventory.catalogues(secret)
    ]


def grant_rows(
    inventory: Inventory, rules: list[Rule], scope: str, reader_kind: str, reader: str, through: str
) -> list[dict[str, Any]]:
    """Rows for a reader given `rules` in `scope`, each Secret's verbs merged over the rules."""
    verbs: dict[str, set[str]] = defaultdict(set)
    for rule in rules:
        for target in targets(rule, scope, inventory.kubernetes):
            verbs[target] |= rule.verbs
    rows = []
    for target, given in sorted(verbs.items()):
        if given & READ_VERBS:
            rows += secret_rows(inventory, target, reader_kind, reader, through, given)
    return rows


def learn_role_names(plan: Plan, inventory: Inventory) -> None:
    """Secrets a namespaced Role names but the plan does not create (synced outside the plan)."""
    for r in plan.resources:
        if r.type != ROLE:
            continue
        for rule in secret_rules(r.inputs.get("rules")):
            for name in rule.names:
                entry = entry_of_versioned(name)
                key = f"{namespace_of(r)}/{name}"
                if key not in inventory.holds and entry and entry not in inventory.entries:
                    inventory.add(namespace_of(r), name, [entry])
                    inventory.entries[entry] = key
                elif key not in inventory.holds:
                    inventory.add(namespace_of(r), name)


def subject_reader(subject: dict[str, Any], scope: str, names: dict[str, str]) -> tuple[str, str]:
    """(reader kind, reader) of a binding subject; a group by its display name where one is known."""
    kind = _SUBJECT_KINDS.get(str(subject.get("kind")), str(subject.get("kind")).lower())
    reader = str(subject.get("name"))
    if subject.get("kind") == "ServiceAccount":
        reader = f"{subject.get('namespace') or scope}/{reader}"
    elif reader in names:
        reader = f"{names[reader]} ({reader})"
    return kind, reader


def rbac_rows(plan: Plan, inventory: Inventory, names: dict[str, str]) -> list[dict[str, Any]]:
    """Rows of every binding of the plan whose role reads Secrets."""
    roles = {(namespace_of(r), name_of(r)): r for r in plan.resources if r.type == ROLE}
    cluster_roles = {name_of(r): r for r in plan.resources if r.type == CLUSTER_ROLE}
    rows = []
    for binding in plan.resources:
        if binding.type not in (ROLE_BINDING, CLUSTER_ROLE_BINDING):
            continue
        ref = binding.inputs.get("roleRef") or {}
        cluster_wide = binding.type == CLUSTER_ROLE_BINDING
        scope = ALL if cluster_wide else namespace_of(binding)
        if ref.get("kind") == "ClusterRole":
            role = cluster_roles.get(str(ref.get("name")))
        else:
            role = roles.get((scope, str(ref.get("name"))))
        rules = secret_rules(role.inputs.get("rules")) if role is not None else []
        through = (
            f"ClusterRoleBinding {name_of(binding)}"
            if cluster_wide
            else f"RoleBinding {scope}/{name_of(binding)}"
        )
        for subject in as_list(binding.inputs.get("subjects")):
            if isinstance(subject, dict):
                kind, reader = subject_reader(subject, scope, names)
                rows += grant_rows(inventory, rules, scope, kind, reader, through)
    return rows


def _pod_spec(resource: Resource) -> dict[str, Any] | None:
    owner = POD_OWNERS.get(resource.type)
    if owner is None:
        return None
    node: Any = resource.inputs
    for key in owner[1]:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


def _items(source: dict[str, Any]) -> str:
    keys = [str(i.get("key")) for i in as_list(source.get("items")) if isinstance(i, dict)]
    return f", key{'s' if len(keys) > 1 else ''} {', '.join(keys)}" if keys else ""


def pod_reads(spec: dict[str, Any]) -> Iterator[tuple[str, str, str | None]]:
    """(Secret name, how the pod reads it, mount path or None) for every Secret a pod spec uses."""
    containers = [
        c
        for key in ("initContainers", "containers", "ephemeralContainers")
        for c in as_list(spec.get(key))
        if isinstance(c, dict)
    ]
    mounted_at = {
        m.get("name"): m.get("mountPath")
        for c in containers
        for m in as_list(c.get("volumeMounts"))
        if isinstance(m, dict)
    }
    for volume in as_list(spec.get("volumes")):
        if not isinstance(volume, dict):
            continue
        sources = [volume["secret"]] if isinstance(volume.get("secret"), dict) else []
        sources += [
            s["secret"]
            for s in as_list((volume.get("projected") or {}).get("sources"))
            if isinstance(s, dict) and isinstance(s.get("secret"), dict)
        ]
        for source in sources:
            name = source.get("secretName") or source.get("name")
            if name:
                yield str(name), f"volume{_items(source)}", mounted_at.get(volume.get("name"))
    for c in containers:
        for env in as_list(c.get("env")):
            ref = ((env or {}).get("valueFrom") or {}).get("secretKeyRef") if isinstance(env, dict) else None
            if isinstance(ref, dict) and ref.get("name"):
                yield str(ref["name"]), f"env {env.get('name')}, key {ref.get('key')}", None
        for source in as_list(c.get("envFrom")):
            ref = source.get("secretRef") if isinstance(source, dict) else None
            if isinstance(ref, dict) and ref.get("name"):
                yield str(ref["name"]), "envFrom, every key", None
    for pull in as_list(spec.get("imagePullSecrets")):
        if isinstance(pull, dict) and pull.get("name"):
            yield str(pull["name"]), "imagePullSecrets", None


def pod_rows(plan: Plan, inventory: Inventory) -> list[dict[str, Any]]:
    """One row per Secret a pod of the plan reads, as its ServiceAccount. A CMS writer Job's row for
    the Secret it writes into the CMS says where it goes."""
    rows = []
    for owner in plan.resources:
        spec = _pod_spec(owner)
        if spec is None:
            continue
        kind = POD_OWNERS[owner.type][0]
        namespace = namespace_of(owner)
        account = f"{namespace}/{spec.get('serviceAccountName') or spec.get('serviceAccount') or 'default'}"
        env = {
            e.get("name"): e.get("value")
            for c in as_list(spec.get("containers"))
            if isinstance(c, dict)
            for e in as_list(c.get("env"))
            if isinstance(e, dict)
        }
        reader_kind = "job" if kind in ("Job", "CronJob") else "workload"
        for secret, how, mount in pod_reads(spec):
            through = f"{kind} {namespace}/{name_of(owner)} ({how})"
            if mount and env.get(WRITER_SECRET_DIR) == mount:
                through += f"; writes it into CMS collection {env.get('CMS_COLLECTION')}"
            rows += secret_rows(inventory, f"{namespace}/{secret}", reader_kind, account, through, ["get"])
    return rows


def existing_secrets(values: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(values path, Secret name) of every non-empty `existingSecret` in a release's values."""
    if isinstance(values, dict):
        for key, value in values.items():
            here = f"{path}.{key}" if path else str(key)
            if key == EXISTING_SECRET and isinstance(value, str) and value:
                yield here, value
            else:
                yield from existing_secrets(value, here)


def release_rows(plan: Plan, inventory: Inventory) -> list[dict[str, Any]]:
    """The pods of each Helm release read the Secrets its values name at `...existingSecret`."""
    rows = []
    for release in plan.resources:
        if release.type != HELM_RELEASE:
            continue
        namespace = str(release.inputs.get("namespace") or "default")
        reader = f"{namespace}/{release.inputs.get('name') or release.name}"
        for path, secret in existing_secrets(release.inputs.get("values")):
            through = f"Helm release {reader} (values {path})"
            rows += secret_rows(inventory, f"{namespace}/{secret}", "release", reader, through, ["get"])
    return rows
