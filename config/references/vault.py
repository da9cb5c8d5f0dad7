"""References of a stack that keeps secrets in HashiCorp Vault."""

from __future__ import annotations

from config.errors import Problem, describe
from config.models import CloudSecret, StackConfig
from config.references._common import NS, duplicates, listed

VAULT_FILTER_MAX = 1024
"""Longest CloudWatch Logs filter pattern (PutMetricFilter API reference, `filterPattern`)."""


def vault_unexpected_reader_filter_length(cfg: StackConfig) -> int:
    """Length of the Vault unexpected-reader filter of an AWS stack (`components/vault/audit.py`
    `unexpected_reader_pattern`, whose roles are `<cluster>-<workload>-vault-sync`; a test keeps the
    two equal), so a stack with too many Vault readers is refused here, not by a component."""
    if cfg.vault is None:
        return 0
    namespaces = {w.name: w.namespace_name for w in cfg.workloads}
    syncing = set()
    for entry in cfg.secrets:
        if isinstance(entry, CloudSecret) and entry.store == "hashicorp-vault":
            namespace = cfg.secret_namespace(entry)
            owner = next((r for r in entry.readers if namespaces.get(r) == namespace), None)
            if owner is not None:
                syncing.add(owner)
    roles = [f"{cfg.cluster.name}-{w}-vault-sync" for w in syncing]
    fixed = len(
        '{ $.type = "response" && $.request.operation = "read" && $.request.path = "'
        + cfg.vault.kv_mount
        + '/data/*" && $.error NOT EXISTS }'
    )
    if not roles:
        return fixed
    clauses = sum(len(f'$.auth.metadata.role != "{role}"') for role in roles) + 4 * (len(roles) - 1)
    return fixed + len(" && ($.auth.metadata.role NOT EXISTS || ())") + clauses


def check_vault(cfg: StackConfig) -> list[Problem]:
    """`store: hashicorp-vault` secrets against the `vault:` block, and what only Vault limits."""
    problems: list[Problem] = []
    if cfg.cloud == "aws" and cfg.vault is not None:
        length = vault_unexpected_reader_filter_length(cfg)
        if length > VAULT_FILTER_MAX:
            problems.append(
                Problem(
                    f"{NS}secrets",
                    f"Vault secrets synced by so many workloads that the unexpected-reader alarm's filter "
                    f"would be {length} characters",
                    f"at most {VAULT_FILTER_MAX} characters (CloudWatch Logs' limit): fewer workloads with "
                    "Vault secrets, or shorter workload names",
                )
            )
    databases = {d.name: d for d in cfg.vault.databases} if cfg.vault else {}
    if cfg.vault is not None:
        problems += duplicates("vault.databases", [d.name for d in cfg.vault.databases], "database")
    for i, entry in enumerate(cfg.secrets):
        if not isinstance(entry, CloudSecret):
            continue
        where = f"{NS}secrets[{i}]"
        if entry.store != "hashicorp-vault":
            if entry.database is not None:
                problems.append(
                    Problem(
                        f"{where}.database",
                        describe(entry.database),
                        "no database on a secret of store default (dynamic credentials come from "
                        "Vault's database secrets engine: set store: hashicorp-vault)",
                    )
                )
            continue
        if cfg.vault is None:
            problems.append(
                Problem(
                    f"{where}.store",
                    '"hashicorp-vault" with no secrets-platform:vault block',
                    "a secrets-platform:vault block with the Vault's address",
                )
            )
        if not entry.readers:
            # Synced by the identity of a reader of its namespace (external_secrets.sync.sync_plan).
            problems.append(
                Problem(
                    f"{where}.readers",
                    "an empty list",
                    "at least one workload: a Vault secret is synced into the cluster by its reader's identity",
                )
            )
        if entry.database is not None:
            if cfg.vault is not None and entry.database not in databases:
                problems.append(
                    Problem(
                        f"{where}.database",
                        describe(entry.database),
                        f"the name of a database in {NS}vault.databases ({listed(databases)})",
                    )
                )
            if sorted(entry.keys) != ["password", "username"]:
                problems.append(
                    Problem(
                        f"{where}.keys",
                        f"keys {listed(entry.keys)}",
                        "exactly [username, password]: what Vault's database engine issues",
                    )
                )
    return problems
