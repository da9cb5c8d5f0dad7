"""The mobile path: app -> BFF -> CMS collection, read from the plan and its outputs.

A mobile secret is written into the CMS by its writer Job (`WRITER_SECRET_DIR` names the mounted
Secret, `CMS_COLLECTION` the collection: bff/writer.py). The BFF reads the collection with the CMS
read token (the Secret labelled `secrets-platform/cms-access: read`, components/mobile/cms.py): its
Directus policy reads every item of the collection. Each app reaches only its own secrets, through
the BFF (the `appSecrets` output; `appPlatforms` names its platform). Whoever holds the CMS
administrator's password (`cms-access: admin`) reads every collection.
"""

from __future__ import annotations

from typing import Any

from offline.access.kubernetes import WRITER_SECRET_DIR, pod_reads
from offline.access.model import (
    ALL,
    CMS,
    HELM_RELEASE,
    KUBERNETES,
    SECRET,
    Inventory,
    metadata,
    namespace_of,
    row,
)
from offline.plan import Plan

CMS_ACCESS_LABEL = "secrets-platform/cms-access"
"""`read`, `write` or `admin` on the Secrets that open the CMS (components/kubernetes/secret.py)."""


def cms_copies(plan: Plan, inventory: Inventory) -> dict[str, str]:
    """Catalogue entry -> `collection/entry`, for every mobile secret a writer Job puts in the CMS."""
    copies = {}
    for job in (r for r in plan.resources if r.type == "kubernetes:batch/v1:Job"):
        spec = ((job.inputs.get("spec") or {}).get("template") or {}).get("spec") or {}
        env = {
            e.get("name"): e.get("value")
            for c in spec.get("containers") or []
            if isinstance(c, dict)
            for e in c.get("env") or []
            if isinstance(e, dict)
        }
        if not env.get(WRITER_SECRET_DIR) or not env.get("CMS_COLLECTION"):
            continue
        for secret, _, mount in pod_reads(spec):
            if mount == env[WRITER_SECRET_DIR]:
                for entry in inventory.catalogues(f"{namespace_of(job)}/{secret}"):
                    if entry:
                        copies[entry] = f"{env['CMS_COLLECTION']}/{entry}"
    return copies


def _cms_credentials(plan: Plan, inventory: Inventory) -> dict[str, str]:
    """`read`/`admin` -> catalogue entry of the Secret holding that CMS credential."""
    found = {}
    for secret in (r for r in plan.resources if r.type == SECRET):
        labels = metadata(secret).get("labels") or {}
        access = labels.get(CMS_ACCESS_LABEL)
        entry = labels.get("secrets-platform/secret")
        if access in ("read", "admin") and entry:
            found[access] = entry
    return found


def _bff(plan: Plan) -> tuple[str, str] | None:
    """(`namespace/release`, collection) of the Helm release that serves the apps from the CMS."""
    for release in (r for r in plan.resources if r.type == HELM_RELEASE):
        collection = (((release.inputs.get("values") or {}).get("config") or {}).get("cms") or {}).get(
            "collection"
        )
        if collection:
            namespace = release.inputs.get("namespace") or "default"
            return f"{namespace}/{release.inputs.get('name') or release.name}", str(collection)
    return None


def mobile_rows(plan: Plan, inventory: Inventory) -> list[dict[str, Any]]:
    """The BFF, the CMS administrator and each app on the CMS copies of the mobile secrets."""
    copies = cms_copies(plan, inventory)
    credentials = _cms_credentials(plan, inventory)
    bff = _bff(plan)
    rows = []
    collections = sorted({key.partition("/")[0] for key in copies.values()} | ({bff[1]} if bff else set()))
    for collection in collections:
        keys = [
            (f"{collection}/{ALL}", None),
            *sorted((key, entry) for entry, key in copies.items() if key.startswith(f"{collection}/")),
        ]
        for key, entry in keys:
            if bff and bff[1] == collection:
                token = credentials.get("read", "the CMS read token")
                through = f"CMS read token {token} (Directus policy: read on collection {collection})"
                rows.append(row(key, CMS, "release", bff[0], through, ["read"], entry))
            if "admin" in credentials:
                through = f"CMS administrator password {credentials['admin']} (Directus administrator)"
                rows.append(row(key, CMS, "credential", "CMS administrator", through, ["*"], entry))
    apps = plan.outputs.get("appSecrets") or {}
    platforms = plan.outputs.get("appPlatforms") or {}
    if not isinstance(apps, dict):
        return rows
    for app, names in apps.items():
        platform = platforms.get(app) if isinstance(platforms, dict) else None
        via = f"BFF {bff[0]}" if bff else "BFF"
        through = f"{via} ({platform} app)" if platform else via
        for name in names or []:
            if name in copies:
                rows.append(row(copies[name], CMS, "app", app, through, ["get"], name))
            else:  # no CMS copy in this plan: the Kubernetes Secret the BFF is given
                secret = inventory.entries.get(name, f"?/{name}")
                rows.append(row(secret, KUBERNETES, "app", app, through, ["get"], name))
    return rows
