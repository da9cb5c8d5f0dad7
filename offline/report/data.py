"""The audit report's data: inventory, access graph, rotation table and policy results of one stack.

Everything is read from what the other commands already prove: the validated stack config
(`offline.catalogue`), the offline plan (`offline.plan`, secret values masked), the policy check
(`offline.check`, redacted), the rotation report (`offline.rotation_status`). Nothing here reads a
secret value; the finished documents are scanned for the plan's canaries before they are written.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from offline.access import access_report, principal_names
from offline.catalogue import (
    Catalogue,
    load_catalogue,
    store_name,
    store_of,
)
from offline.check import run_check, short_name, to_json
from offline.plan import Plan, make_plan
from offline.rotation_status import DEFAULT_WITHIN_DAYS, rotation_report
from offline.stores.access import Stores

REPORT_FORMAT = "report"


def _camel(row: dict[str, Any]) -> dict[str, Any]:
    def camel(key: str) -> str:
        head, *rest = key.split("_")
        return head + "".join(part.title() for part in rest)

    return {camel(k): v for k, v in row.items()}


def inventory(catalogue: Catalogue, plan: Plan) -> list[dict[str, Any]]:
    """One row per catalogue entry: where its value comes from and where it is delivered (names only)."""
    config = catalogue.config
    declared = {
        str((r.inputs.get("metadata") or {}).get("name"))
        for r in plan.resources
        if r.type == "kubernetes:core/v1:Secret"
    }
    apps = {e.name: [a.name for a in config.apps if e.name in a.secrets] for e in config.secrets}
    rows = []
    for entry in config.secrets:
        store = store_of(config, entry)
        if entry.source == "literal":
            origin = "config keys " + ", ".join(f"secrets-platform:{k}" for k in entry.keys.values())
        elif entry.source == "file":
            origin = "files " + ", ".join(entry.keys.values())
        elif entry.source == "generated":
            origin = f"drawn by the platform (pulumi-random, {entry.length} characters)"
        elif entry.source == "cloud" and entry.database is not None:
            origin = f"issued per lease by Vault's database engine ({entry.database})"
        else:
            who = "generated and rotated by the store" if entry.generate else "written by operators"
            origin = f"{store} {store_name(config, entry)} ({who})"
        secret_name = f"{entry.name}-v{entry.version}"
        rows.append(
            {
                "secret": entry.name,
                "description": entry.description,
                "source": entry.source,
                "store": store,
                "origin": origin,
                "namespace": config.secret_namespace(entry),
                "kubernetesSecret": secret_name,
                "declared": secret_name in declared,
                "keys": list(entry.keys),
                "readers": list(entry.readers),
                "apps": apps[entry.name],
                "mount": entry.mount,
                "mobile": entry.mobile,
                "rotationDays": entry.rotation_days,
                "version": entry.version,
            }
        )
    return rows


def access_graph(catalogue: Catalogue, plan: Plan) -> list[dict[str, Any]]:
    """Who can read what, through which binding, pod, identity or store (`offline.access`, the one
    source of the access graph), in camelCase, grouped by catalogue entry."""
    rows = [_camel(row) for row in access_report(plan, principal_names(catalogue.config))]
    return sorted(
        rows, key=lambda r: (r["catalogue"] or "~" + r["secret"], r["layer"], r["reader"], r["through"])
    )


def policy_results(project_dir: Path, stack: str) -> dict[str, Any]:
    """The policy check as the report shows it: summary, every policy evaluated, every violation."""
    result = run_check(project_dir, stack)
    document = to_json(result)
    for violation in document["violations"]:
        violation["resource"] = short_name(violation["urn"]) if violation["urn"] else f"stack {stack}"
    return document


def build(
    project_dir: Path,
    stack: str,
    *,
    as_of: datetime,
    within_days: int = DEFAULT_WITHIN_DAYS,
    stores: Stores | None = None,
) -> dict[str, Any]:
    """The report's body (camelCase keys), for the JSON file and the HTML page alike."""
    catalogue = load_catalogue(project_dir, stack)
    plan = make_plan(project_dir, stack)
    rotation = rotation_report(catalogue, as_of=as_of, within_days=within_days, stores=stores)
    policies = policy_results(project_dir, stack)
    return {
        "project": catalogue.project,
        "generatedAt": as_of.isoformat(),
        "cloud": catalogue.config.cloud,
        "cluster": catalogue.config.cluster.name,
        "secretsProvider": catalogue.secrets_provider,
        "resourceCount": len(plan.resources),
        "inventory": inventory(catalogue, plan),
        "access": access_graph(catalogue, plan),
        "rotation": rotation.body(),
        "policies": policies,
    }
