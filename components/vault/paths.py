"""Names and paths every Vault component agrees on: one source, so the policy a workload gets names
exactly the paths the store writes and the SecretStore reads.

Pure functions of plain values; tested without Pulumi.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

SYNC_SERVICE_ACCOUNT_SUFFIX = "-vault-sync"
"""The ServiceAccount External Secrets logs in to Vault as, for workload `w`: `w-vault-sync` (the
cloud store's is `w-secret-sync`, so a workload reading both stores gets two distinct identities)."""

READ = ("read",)
"""The one capability a sync identity gets on a granted path (Vault policies: `read` allows GET)."""


def kv_path(cluster: str, secret: str) -> str:
    """Where a catalogue secret lives in the KV v2 mount: `<cluster>/<name>` (the cluster scopes the
    catalogue, as `<cluster>/<name>` does in Secrets Manager)."""
    return f"{cluster}/{secret}"


def kv_data_path(mount: str, cluster: str, secret: str) -> str:
    """The HTTP API path a KV v2 read goes to (`<mount>/data/<path>`), which policies name."""
    return f"{mount}/data/{kv_path(cluster, secret)}"


def kv_metadata_path(mount: str, cluster: str, secret: str) -> str:
    """The KV v2 metadata path of a secret (`<mount>/metadata/<path>`): versions kept, deletion."""
    return f"{mount}/metadata/{kv_path(cluster, secret)}"


def database_creds_path(mount: str, role: str) -> str:
    """Where a database role's dynamic credentials are read (`<mount>/creds/<role>`)."""
    return f"{mount}/creds/{role}"


def database_role_name(cluster: str, secret: str) -> str:
    """The database engine role that issues a catalogue secret's credentials."""
    return f"{cluster}-{secret}"


def sync_service_account_name(workload: str) -> str:
    """A workload's Vault sync ServiceAccount: `<workload>-vault-sync`."""
    return f"{workload}{SYNC_SERVICE_ACCOUNT_SUFFIX}"


def auth_role_name(cluster: str, service_account: str) -> str:
    """The JWT auth role of a sync ServiceAccount: `<cluster>-<service account>` (workload names are
    unique in a stack, and the cluster keeps two stacks sharing an auth mount apart)."""
    return f"{cluster}-{service_account}"


def policy_name(cluster: str, workload: str) -> str:
    """The Vault policy of a workload's sync identity (policies are global to a Vault)."""
    return f"{cluster}-{workload}-vault-sync"


def issuer_url(oidc_issuer: str) -> str:
    """The cluster's issuer as its tokens' `iss` claim and its discovery document spell it.

    EKS's foundation gives it without `https://` (as IAM condition keys want it); AKS's as the URL
    itself, with its trailing `/`, which is part of the issuer and must be kept (OIDC Discovery 1.0,
    section 4.3: the issuer must be identical to the one the document names).
    """
    return oidc_issuer if oidc_issuer.startswith("https://") else f"https://{oidc_issuer}"


def read_policy(paths: Sequence[str]) -> str:
    """A Vault policy (HCL) granting `read` on exactly these paths and nothing else.

    Each path is written whole: no `*` or `+` glob, so a new secret never becomes readable by an
    existing identity. Paths are JSON-quoted (HCL strings use the same escapes).
    """
    if not paths:
        raise ValueError("a read policy needs at least one path")
    blocks = []
    for path in sorted(set(paths)):
        if any(c in path for c in '*+\n"') or path.startswith("/"):
            raise ValueError(f"{path!r} is not one exact Vault path")
        blocks.append(f"path {json.dumps(path)} {{\n  capabilities = {json.dumps(list(READ))}\n}}\n")
    return "\n".join(blocks)
