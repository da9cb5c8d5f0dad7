"""Who can read which secret, answered from a plan alone.

`access_report()` reads the RBAC objects the plan declares (Roles, ClusterRoles and their bindings)
the way the API server's authorizer would; the Jobs it declares, whose pods read the Secrets they
mount (the CMS's provisioning Job, and the writer Jobs, which write a mobile secret into the CMS);
and the `appSecrets` (and `appPlatforms`) stack outputs for the mobile apps, which reach a secret
only through the BFF, reading it from the CMS. It is a pure function of the plan: what the report
says is what `pulumi up` would grant, not what the config meant to grant.

Scope: RBAC and Jobs this stack declares. Grants made outside the stack (EKS access entries, AKS
Entra ID admin groups, the cluster's own `system:` roles) do not appear in a plan of Kubernetes
objects and are not reported; nor are the volumes of Deployments, whose readers the reader Roles
already name, nor the charts' Helm releases, rendered inside the provider.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from offline.plan import Plan, Resource

RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"
ROLE, CLUSTER_ROLE = RBAC + "Role", RBAC + "ClusterRole"
ROLE_BINDING, CLUSTER_ROLE_BINDING = RBAC + "RoleBinding", RBAC + "ClusterRoleBinding"
SECRET = "kubernetes:core/v1:Secret"
JOB = "kubernetes:batch/v1:Job"
WRITER_SECRET_DIR = "WRITER_SECRET_DIR"
"""The variable naming the mount of the Secret a CMS writer Job writes (bff/writer.py)."""

READ_VERBS = frozenset({"get", "list", "watch", "*"})
"""Verbs that return a Secret's data (`list` and `watch` return every Secret they match)."""

ALL = "*"
"""A namespace or name wildcard in the report: every Secret of the scope, present and future."""

COLUMNS = ("secret", "reader_kind", "reader", "through", "verbs")
"""The report's columns, in order."""

_SUBJECT_KINDS = {"ServiceAccount": "workload", "Group": "group", "User": "user"}


@dataclass(frozen=True)
class _Rule:
    names: tuple[str, ...]
    """Secret names the rule is limited to; empty means every Secret in scope."""
    verbs: frozenset[str]


def _name(resource: Resource) -> str:
    return str((resource.inputs.get("metadata") or {}).get("name") or resource.name)


def _namespace(resource: Resource) -> str:
    return str((resource.inputs.get("metadata") or {}).get("namespace") or "default")


def _secret_rules(resource: Resource) -> list[_Rule]:
    """The rules of a Role or ClusterRole that reach Secrets (core API group, `secrets` resource)."""
    rules = []
    for rule in resource.inputs.get("rules") or []:
        groups = rule.get("apiGroups") or []
        resources = rule.get("resources") or []
        if ("" in groups or ALL in groups) and ("secrets" in resources or ALL in resources):
            rules.append(_Rule(tuple(rule.get("resourceNames") or ()), frozenset(rule.get("verbs") or ())))
    return rules


def _catalogue(plan: Plan) -> tuple[dict[str, set[str]], dict[str, str]]:
    """Secrets the plan knows of: namespace -> names, and catalogue name -> `namespace/name`.

    A Secret the platform declares carries its catalogue name as a label. A Secret synced by the
    cloud store is not declared; it is known from the reader Roles that name it (`<name>-v<N>`).
    """
    known: dict[str, set[str]] = defaultdict(set)
    catalogue: dict[str, str] = {}
    for r in plan.resources:
        if r.type == SECRET:
            ns, name = _namespace(r), _name(r)
            known[ns].add(name)
            label = ((r.inputs.get("metadata") or {}).get("labels") or {}).get("secrets-platform/secret")
            if label:
                catalogue[label] = f"{ns}/{name}"
        elif r.type == ROLE:
            for rule in _secret_rules(r):
                known[_namespace(r)].update(rule.names)
    for ns, names in known.items():
        for name in names:
            match = re.fullmatch(r"(.+)-v\d+", name)
            if match and match.group(1) not in catalogue:
                catalogue[match.group(1)] = f"{ns}/{name}"
    return known, catalogue


def _targets(rule: _Rule, scope: str, known: dict[str, set[str]]) -> list[str]:
    """`namespace/name` of every Secret a rule reaches in a scope (a namespace, or `*` for all).

    Names the plan knows are listed one by one; what the rule reaches beyond them is a wildcard row:
    `<namespace>/*` for a rule without `resourceNames`, `*/<name>` for a cluster-wide one with them.
    """
    targets = []
    for ns in sorted(known) if scope == ALL else [scope]:
        present = known.get(ns, set())
        if rule.names:
            targets += [f"{ns}/{n}" for n in rule.names if scope != ALL or n in present]
        else:
            targets += [f"{ns}/{n}" for n in sorted(present)]
    if not rule.names:
        targets.append(f"{scope}/{ALL}")
    elif scope == ALL:
        targets += [f"{ALL}/{n}" for n in rule.names]
    return targets


def access_report(plan: Plan) -> list[dict[str, Any]]:
    """One row per (secret, reader, binding) with read access, sorted; columns as in `COLUMNS`.

    `verbs` lists every verb the binding gives the reader on that secret, as long as one of them
    reads it (`get`, `list`, `watch` or `*`). A rule without `resourceNames` reaches every Secret of
    its namespace: its rows name each Secret the plan knows there, plus `<namespace>/*`.
    """
    known, catalogue = _catalogue(plan)
    roles = {(_namespace(r), _name(r)): _secret_rules(r) for r in plan.resources if r.type == ROLE}
    cluster_roles = {_name(r): _secret_rules(r) for r in plan.resources if r.type == CLUSTER_ROLE}

    grants: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
    for binding in plan.resources:
        if binding.type not in (ROLE_BINDING, CLUSTER_ROLE_BINDING):
            continue
        ref = binding.inputs.get("roleRef") or {}
        cluster_wide = binding.type == CLUSTER_ROLE_BINDING
        scope = ALL if cluster_wide else _namespace(binding)
        if ref.get("kind") == "ClusterRole":
            rules = cluster_roles.get(str(ref.get("name")), [])
        else:
            rules = roles.get((scope, str(ref.get("name"))), [])
        through = (
            f"ClusterRoleBinding {_name(binding)}"
            if cluster_wide
            else f"RoleBinding {scope}/{_name(binding)}"
        )
        for subject in binding.inputs.get("subjects") or []:
            kind = _SUBJECT_KINDS.get(str(subject.get("kind")), str(subject.get("kind")).lower())
            reader = str(subject.get("name"))
            if subject.get("kind") == "ServiceAccount":
                reader = f"{subject.get('namespace') or scope}/{reader}"
            for rule in rules:
                for target in _targets(rule, scope, known):
                    grants[(target, kind, reader, through)] |= rule.verbs

    rows = [
        {"secret": s, "reader_kind": k, "reader": r, "through": t, "verbs": sorted(v)}
        for (s, k, r, t), v in grants.items()
        if v & READ_VERBS
    ]
    rows += _job_rows(plan)
    apps = plan.outputs.get("appSecrets") or {}
    platforms = plan.outputs.get("appPlatforms") or {}
    if isinstance(apps, dict):
        for app, names in apps.items():
            platform = platforms.get(app) if isinstance(platforms, dict) else None
            for name in names or []:
                rows.append(
                    {
                        "secret": catalogue.get(name, f"?/{name}"),
                        "reader_kind": "app",
                        "reader": app,
                        "through": f"BFF ({platform} app)" if platform else "BFF",
                        "verbs": ["get"],
                    }
                )
    return sorted(rows, key=lambda row: (row["secret"], row["reader_kind"], row["reader"], row["through"]))


def _job_rows(plan: Plan) -> list[dict[str, Any]]:
    """One row per Secret a Job's pods mount, read as their ServiceAccount (the kubelet fetches it for
    the pod, whatever RBAC says). A writer Job's row for the Secret it writes says where it goes."""
    rows = []
    for job in plan.resources:
        if job.type != JOB:
            continue
        namespace = _namespace(job)
        spec = ((job.inputs.get("spec") or {}).get("template") or {}).get("spec") or {}
        account = spec.get("serviceAccountName") or "default"
        containers = [c for c in spec.get("containers") or [] if isinstance(c, dict)]
        env = {
            e.get("name"): e.get("value")
            for c in containers
            for e in c.get("env") or []
            if isinstance(e, dict)
        }
        mounted_at = {
            m.get("name"): m.get("mountPath")
            for c in containers
            for m in c.get("volumeMounts") or []
            if isinstance(m, dict)
        }
        for volume in spec.get("volumes") or []:
            sources = [volume["secret"]] if isinstance(volume.get("secret"), dict) else []
            sources += [
                s["secret"]
                for s in (volume.get("projected") or {}).get("sources") or []
                if isinstance(s, dict) and isinstance(s.get("secret"), dict)
            ]
            for source in sources:
                name = source.get("secretName") or source.get("name")
                keys = [i.get("key") for i in source.get("items") or [] if isinstance(i, dict)]
                listed = f", key{'s' if len(keys) > 1 else ''} {', '.join(keys)}" if keys else ""
                through = f"Job {namespace}/{_name(job)} (volume{listed})"
                if env.get(WRITER_SECRET_DIR) and env.get(WRITER_SECRET_DIR) == mounted_at.get(
                    volume.get("name")
                ):
                    through += f"; writes it into CMS collection {env.get('CMS_COLLECTION')}"
                rows.append(
                    {
                        "secret": f"{namespace}/{name}",
                        "reader_kind": "job",
                        "reader": f"{namespace}/{account}",
                        "through": through,
                        "verbs": ["get"],
                    }
                )
    return rows


def render_markdown(rows: list[dict[str, Any]]) -> str:
    """The report as a Markdown table."""
    header = ["secret", "reader kind", "reader", "through", "verbs"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [row["secret"], row["reader_kind"], row["reader"], row["through"], ", ".join(row["verbs"])]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def render_json(rows: list[dict[str, Any]]) -> str:
    """The report as a JSON array of rows."""
    return json.dumps(rows, indent=2)
