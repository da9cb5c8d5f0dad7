"""What every store's sync identity agrees on, whichever cloud or Vault trusts it.

External Secrets reads a store as a dedicated ServiceAccount per workload, never as the workload's own;
each store's trust (an IAM role's web-identity condition, an Entra federated credential, a Vault JWT
role) pins that one account by the `sub` claim of its tokens. Pure functions of plain values, so the
trust documents and the policy pack's checks are built from the same strings.
"""

from __future__ import annotations

from components.kubernetes.conventions import MANAGED_BY

SYNC_SERVICE_ACCOUNT_SUFFIX = "-secret-sync"
"""The cloud store's sync ServiceAccount of workload `w` is `w-secret-sync` (Vault's is `w-vault-sync`,
`components/vault/paths.py`, so a workload reading both stores gets two distinct identities)."""

SYNC_COMPONENT_LABELS = {**MANAGED_BY, "app.kubernetes.io/component": "secret-sync"}
"""Labels of the cloud store's sync ServiceAccounts."""


def sync_service_account_name(workload: str) -> str:
    """Name of a workload's cloud-store sync ServiceAccount: `<workload>-secret-sync`."""
    return f"{workload}{SYNC_SERVICE_ACCOUNT_SUFFIX}"


def service_account_subject(namespace: str, service_account: str) -> str:
    """The `sub` claim of a Kubernetes ServiceAccount token (Kubernetes docs, "Service account
    tokens"): what an IAM condition, a federated credential and a Vault JWT role all match."""
    return f"system:serviceaccount:{namespace}:{service_account}"
