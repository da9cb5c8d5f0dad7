"""Cross-references in a stack: names that must exist, be unique and agree with each other.

A pure function of a validated `StackConfig`, so it is tested without Pulumi.
"""

from __future__ import annotations

from collections.abc import Iterable

from config.errors import Problem, describe
from config.models import PROJECT, CloudSecret, StackConfig
from config.patterns import AWS_REGION, AZURE_LOCATION

NS = f"{PROJECT}:"
BUILT_IN_WORKLOADS = ("bff", "cms")
"""Workloads the platform deploys itself; other workloads may allow traffic from them."""


def _names(names: Iterable[str]) -> str:
    listed = sorted(names)
    return ", ".join(listed) if listed else "none are declared"


def _duplicates(prefix: str, names: list[str], what: str) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for index, name in enumerate(names):
        if name in seen:
            problems.append(
                Problem(f"{NS}{prefix}[{index}].name", describe(name), f"a {what} name not used before")
            )
        seen.add(name)
    return problems


def check_references(cfg: StackConfig) -> list[Problem]:
    """Every problem of cross-reference in the stack, each reported once."""
    problems: list[Problem] = []
    workloads = {w.name: w for w in cfg.workloads}
    secrets = {s.name: s for s in cfg.secrets}

    problems += _check_cloud(cfg)
    problems += _duplicates("workloads", [w.name for w in cfg.workloads], "workload")
    problems += _duplicates("secrets", [s.name for s in cfg.secrets], "secret")
    problems += _duplicates("apps", [a.name for a in cfg.apps], "app")
    problems += _duplicates("helmReleases", [h.name for h in cfg.helm_releases], "Helm release")

    peers = set(workloads) | set(BUILT_IN_WORKLOADS)
    for i, workload in enumerate(cfg.workloads):
        if workload.name in BUILT_IN_WORKLOADS:
            problems.append(
                Problem(
                    f"{NS}workloads[{i}].name",
                    describe(workload.name),
                    f"a name other than {', '.join(BUILT_IN_WORKLOADS)}, which the platform deploys itself",
                )
            )
        for j, peer in enumerate(workload.allow_from):
            if peer not in peers:
                problems.append(
                    Problem(
                        f"{NS}workloads[{i}].allowFrom[{j}]",
                        describe(peer),
                        f"the name of a workload in {NS}workloads or a platform workload ({_names(peers)})",
                    )
                )

    for i, entry in enumerate(cfg.secrets):
        for j, reader in enumerate(entry.readers):
            if reader not in workloads:
                problems.append(
                    Problem(
                        f"{NS}secrets[{i}].readers[{j}]",
                        describe(reader),
                        f"the name of a workload in {NS}workloads ({_names(workloads)})",
                    )
                )
        namespace = _secret_namespace(cfg, entry, workloads)
        for j, reader in enumerate(entry.readers):
            if reader in workloads and workloads[reader].namespace_name != namespace:
                problems.append(
                    Problem(
                        f"{NS}secrets[{i}].readers[{j}]",
                        f'workload "{reader}" in namespace "{workloads[reader].namespace_name}"',
                        f'a workload in namespace "{namespace}", where the Secret lives '
                        "(pods cannot mount Secrets of another namespace)",
                    )
                )
        if (
            entry.source == "cloud"
            and cfg.cloud == "azure"
            and getattr(entry, "store", "default") == "default"
        ):
            problems.append(
                Problem(
                    f"{NS}secrets[{i}].source",
                    '"cloud" on an azure stack',
                    "literal, file or generated: syncing Key Vault secrets into the cluster is not "
                    "supported yet (AWS Secrets Manager is)",
                )
            )

    problems += _check_vault(cfg)

    for i, app in enumerate(cfg.apps):
        for j, name in enumerate(app.secrets):
            if name not in secrets:
                problems.append(
                    Problem(
                        f"{NS}apps[{i}].secrets[{j}]",
                        describe(name),
                        f"the name of a secret in {NS}secrets ({_names(secrets)})",
                    )
                )

    for i, release in enumerate(cfg.helm_releases):
        for j, override in enumerate(release.secret_values):
            entry = secrets.get(override.secret)
            if entry is None:
                problems.append(
                    Problem(
                        f"{NS}helmReleases[{i}].secretValues[{j}].secret",
                        describe(override.secret),
                        f"the name of a secret in {NS}secrets ({_names(secrets)})",
                    )
                )
            elif override.key not in _keys(entry):
                problems.append(
                    Problem(
                        f"{NS}helmReleases[{i}].secretValues[{j}].key",
                        describe(override.key),
                        f'a key of secret "{entry.name}" ({_names(_keys(entry))})',
                    )
                )

    tls = secrets.get(cfg.bff.tls_secret)
    if tls is None:
        problems.append(
            Problem(
                f"{NS}bff.tlsSecret",
                describe(cfg.bff.tls_secret),
                f"the name of a secret in {NS}secrets ({_names(secrets)})",
            )
        )
    elif not {"tls.crt", "tls.key"} <= set(_keys(tls)):
        problems.append(
            Problem(
                f"{NS}bff.tlsSecret",
                f'secret "{tls.name}" with keys {_names(_keys(tls))}',
                "a secret with the keys tls.crt and tls.key",
            )
        )
    if cfg.cms.database_secret is not None and cfg.cms.database_secret not in secrets:
        problems.append(
            Problem(
                f"{NS}cms.databaseSecret",
                describe(cfg.cms.database_secret),
                f"the name of a secret in {NS}secrets ({_names(secrets)})",
            )
        )
    return problems


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


def _check_vault(cfg: StackConfig) -> list[Problem]:
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
        problems += _duplicates("vault.databases", [d.name for d in cfg.vault.databases], "database")
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
                        f"the name of a database in {NS}vault.databases ({_names(databases)})",
                    )
                )
            if sorted(entry.keys) != ["password", "username"]:
                problems.append(
                    Problem(
                        f"{where}.keys",
                        f"keys {_names(entry.keys)}",
                        "exactly [username, password]: what Vault's database engine issues",
                    )
                )
    return problems


def _keys(entry: object) -> list[str]:
    keys = entry.keys  # type: ignore[attr-defined]
    return list(keys)


def _secret_namespace(cfg: StackConfig, entry: object, workloads: dict) -> str:
    namespace = getattr(entry, "namespace", None)
    if namespace:
        return namespace
    readers = [r for r in entry.readers if r in workloads]  # type: ignore[attr-defined]
    return workloads[readers[0]].namespace_name if readers else cfg.bff.namespace


def _check_cloud(cfg: StackConfig) -> list[Problem]:
    problems = []
    other = "azure" if cfg.cloud == "aws" else "aws"
    if getattr(cfg, cfg.cloud) is None:
        problems.append(
            Problem(f"{NS}{cfg.cloud}", "nothing", f"a {NS}{cfg.cloud} block, since cloud is {cfg.cloud}")
        )
    if getattr(cfg, other) is not None:
        problems.append(
            Problem(
                f"{NS}{other}",
                f"a {other} block",
                f"no {other} block while cloud is {cfg.cloud} (remove it, or set cloud: {other})",
            )
        )
    region_key = "aws:region" if cfg.cloud == "aws" else "azure-native:location"
    pattern = AWS_REGION if cfg.cloud == "aws" else AZURE_LOCATION
    if not cfg.region:
        problems.append(Problem(region_key, "nothing", f"the region of the stack, set as {region_key}"))
    elif not pattern.match(cfg.region):
        what = (
            "an AWS region name such as eu-west-1"
            if cfg.cloud == "aws"
            else "an Azure location such as westeurope"
        )
        problems.append(Problem(region_key, describe(cfg.region), what))
    return problems
