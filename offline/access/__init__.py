"""Who can read which secret, answered from a plan alone: one source for `access`, `report` and `diff`.

`access_report(plan)` follows every path to every secret the plan creates:

- Kubernetes RBAC as the authorizer evaluates it, wildcards included (`kubernetes.py`);
- pods that mount, env-reference or pull with a Secret, read as their ServiceAccount, and Helm
  releases' pods reading the Secrets their values name (`existingSecret`: the overrides Secret);
- the controllers the pinned upstream charts install (External Secrets, Reloader, cert-manager,
  ingress-nginx), from their charts' RBAC (`controllers.py`);
- store secrets: IAM roles and who assumes them (IRSA ServiceAccount, Lambda), Key Vault role
  assignments and who holds them (federated ServiceAccount, Function App, Entra ID group), Vault
  JWT roles; and the External Secrets controller reading through each SecretStore (`stores.py`);
- operators: EKS access policies, AKS Entra ID admin groups (`operators.py`);
- the mobile path: the BFF reading the CMS collection with its read token, the CMS administrator,
  each app through the BFF (`mobile.py`).

It is a pure function of the plan (its resources and outputs) and of `names` (Entra ID object id ->
display name, from the stack config): what the report says is what `pulumi up` would grant, not what
the config meant to grant. Out of scope, said here so nobody assumes otherwise: the cluster's own
`system:` roles and bindings, ClusterRole aggregation, and grants made outside the stack.
"""

from __future__ import annotations

from typing import Any

from offline.access.controllers import controller_rows, eso_controller
from offline.access.kubernetes import learn_role_names, pod_rows, rbac_rows, release_rows
from offline.access.mobile import mobile_rows
from offline.access.model import COLUMNS, LAYERS, inventory
from offline.access.operators import aks_rows, eks_rows
from offline.access.render import (
    RenderError,
    render_json,
    render_markdown,
    render_mermaid,
    render_svg,
    render_table,
)
from offline.access.stores import aws_rows, azure_rows, store_entries, sync_rows, vault_rows
from offline.plan import Plan

__all__ = [
    "COLUMNS",
    "LAYERS",
    "RenderError",
    "access_report",
    "principal_names",
    "render_json",
    "render_markdown",
    "render_mermaid",
    "render_svg",
    "render_table",
]


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (
        row["layer"] != "kubernetes",
        row["secret"],
        row["catalogue"] or "",
        row["reader_kind"],
        row["reader"],
        row["through"],
    )


def access_report(plan: Plan, names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """One row per (secret, catalogue entry, reader, path) with read access, sorted: Kubernetes
    Secrets first, then the stores and the CMS; columns as in `COLUMNS`. Duplicates are merged."""
    names = names or {}
    secrets = inventory(plan)
    learn_role_names(plan, secrets)
    entries = store_entries(plan)
    store = aws_rows(plan, entries) + azure_rows(plan, entries, names) + vault_rows(plan, entries)
    rows = (
        rbac_rows(plan, secrets, names)
        + pod_rows(plan, secrets)
        + release_rows(plan, secrets)
        + controller_rows(plan, secrets)
        + eks_rows(plan, secrets)
        + aks_rows(plan, secrets, names)
        + store
        + sync_rows(plan, store, eso_controller(plan))
        + mobile_rows(plan, secrets)
    )
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = _key(row)
        if key in merged:
            merged[key]["verbs"] = sorted(set(merged[key]["verbs"]) | set(row["verbs"]))
        else:
            merged[key] = row
    return [merged[k] for k in sorted(merged)]


def principal_names(config: Any) -> dict[str, str]:
    """Entra ID object id -> the name the stack config gives it (`azure.operatorGroupName`), so the
    report shows `platform-operators (3c9d...)` rather than a bare object id."""
    azure = getattr(config, "azure", None)
    if azure is not None and azure.operator_group_name:
        return {azure.operator_group_object_id: azure.operator_group_name}
    return {}
