"""Cross-references in a stack: names that must exist, be unique and agree with each other.

A pure function of a validated `StackConfig`, so it is tested without Pulumi.
"""

from __future__ import annotations

from collections.abc import Iterable

from config import aws_names
from config import azure_names as az
from config.errors import Problem, describe
from config.models import PROJECT, CloudSecret, StackConfig
from config.patterns import AWS_REGION, AZURE_LOCATION

NS = f"{PROJECT}:"
BUILT_IN_WORKLOADS = ("bff", "cms", "cms-writer", "cms-provisioner")
"""Workloads the platform deploys itself (the CMS's Jobs too): a workload of the same name would carry
their pod label, which the CMS's NetworkPolicy admits."""
BFF_CHART = "charts/bff"
"""The project's BFF chart: the release the platform wires to the CMS, its certificates and `apps:`."""
WRITER_JOB_PREFIX = "cms-writer-"
"""A mobile secret's writer Job is `cms-writer-<name>-v<version>` (components/mobile/cms_writer.py;
a test keeps the two equal)."""
JOB_NAME_MAX = 63
"""A Job's name is the value of its pods' `batch.kubernetes.io/job-name` label: 63 characters at most."""


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
    problems += _check_aws_names(cfg)
    problems += _check_azure(cfg)
    problems += _duplicates("workloads", [w.name for w in cfg.workloads], "workload")
    problems += _duplicates("secrets", [s.name for s in cfg.secrets], "secret")
    problems += _duplicates("apps", [a.name for a in cfg.apps], "app")
    problems += _duplicates("helmReleases", [h.name for h in cfg.helm_releases], "Helm release")

    # The BFF reaches only the CMS, DNS and its issuer; the CMS only its database: neither may be a
    # workload's peer.
    peers = set(workloads)
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
                        f"the name of a workload in {NS}workloads ({_names(peers)}); the BFF and the CMS "
                        "reach no workload",
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

    problems += _check_vault(cfg)

    mobile = {s.name for s in cfg.secrets if s.mobile}
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
            elif name not in mobile:
                # A mobile app's secrets end up on devices: a backend secret (a database password)
                # must never be handed out, whatever else the app is granted.
                problems.append(
                    Problem(
                        f"{NS}apps[{i}].secrets[{j}]",
                        f'"{name}", a backend secret (not declared with mobile: true)',
                        f"a secret declared for mobile delivery ({_names(mobile)})",
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

    problems += _check_edge(cfg, secrets)
    problems += _check_cms(cfg, secrets)
    problems += _check_bff_release(cfg)
    return problems


def _check_bff_release(cfg: StackConfig) -> list[Problem]:
    """One release of the BFF chart, in the BFF's namespace (where the platform's NetworkPolicies,
    certificates and Ingress are), with its grants only from `apps:`; apps only with a BFF."""
    problems = []
    releases = [(i, r) for i, r in enumerate(cfg.helm_releases) if r.chart == BFF_CHART]
    for i, _ in releases[1:]:
        problems.append(
            Problem(
                f"{NS}helmReleases[{i}].chart",
                f'a second release of "{BFF_CHART}"',
                f"one release of {BFF_CHART} (helmReleases[{releases[0][0]}] is the BFF)",
            )
        )
    for i, release in releases:
        if release.namespace != cfg.bff.namespace:
            problems.append(
                Problem(
                    f"{NS}helmReleases[{i}].namespace",
                    describe(release.namespace),
                    f'"{cfg.bff.namespace}", {NS}bff.namespace, where the platform lets the BFF\'s pods '
                    "reach the CMS and the ingress controller reach them",
                )
            )
        config = release.values.get("config")
        if isinstance(config, dict) and config.get("apps"):
            problems.append(
                Problem(
                    f"{NS}helmReleases[{i}].values.config.apps",
                    "grants",
                    f"nothing: the platform writes the BFF's grants from {NS}apps",
                )
            )
    if cfg.apps and not releases:
        problems.append(
            Problem(
                f"{NS}apps",
                f"{len(cfg.apps)} app(s)",
                f"no apps, or a {NS}helmReleases entry installing {BFF_CHART}: apps reach secrets only "
                "through the BFF",
            )
        )
    return problems


def _check_edge(cfg: StackConfig, secrets: dict) -> list[Problem]:
    """The BFF's certificate comes from exactly one place; a web ACL exists only on AWS."""
    problems = []
    if cfg.bff.tls_secret is None and cfg.edge.acme is None:
        problems.append(
            Problem(
                f"{NS}bff.tlsSecret",
                "nothing",
                f"a catalogue secret with tls.crt and tls.key, or {NS}edge.acme to issue the certificate",
            )
        )
    if cfg.bff.tls_secret is not None and cfg.edge.acme is not None:
        problems.append(
            Problem(
                f"{NS}bff.tlsSecret",
                describe(cfg.bff.tls_secret),
                f"no hand-set TLS secret while {NS}edge.acme issues the certificate (remove one of them)",
            )
        )
    if cfg.bff.tls_secret is not None:
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
    if cfg.edge.waf is not None and cfg.cloud != "aws":
        problems.append(
            Problem(
                f"{NS}edge.waf",
                f"a web ACL on a {cfg.cloud} stack",
                "no edge.waf: AWS WAFv2 is only available on AWS",
            )
        )
    return problems


CMS_SECRETS = {
    "adminSecret": ("admin_secret", ("password",), "cms"),
    "signingSecret": ("signing_secret", ("secret",), "cms"),
    "readTokenSecret": ("read_token_secret", ("token",), "bff"),
    "writerTokenSecret": ("writer_token_secret", ("token",), "cms"),
    "databaseSecret": ("database_secret", ("password",), "cms"),
}
"""`cms.<key>` -> (field, data keys it must hold, whose namespace it must live in)."""


def _check_cms(cfg: StackConfig, secrets: dict) -> list[Problem]:
    """The CMS's catalogue secrets exist, hold the right keys, live where their readers run; mobile
    secrets exist only with a CMS and live in its namespace."""
    problems = []
    cms = cfg.cms
    for i, entry in enumerate(cfg.secrets):
        if not entry.mobile:
            continue
        if not cms.enabled:
            problems.append(
                Problem(
                    f"{NS}secrets[{i}].mobile",
                    "true while cms.enabled is false",
                    "mobile: false, or a CMS (mobile secrets reach apps only through it)",
                )
            )
        elif entry.namespace and entry.namespace != cms.namespace:
            problems.append(
                Problem(
                    f"{NS}secrets[{i}].namespace",
                    describe(entry.namespace),
                    f'"{cms.namespace}" or nothing: a mobile secret lives in the CMS namespace, where '
                    "its writer Job mounts it",
                )
            )
        job = f"{WRITER_JOB_PREFIX}{entry.name}-v{entry.version}"
        if len(job) > JOB_NAME_MAX:
            problems.append(
                Problem(
                    f"{NS}secrets[{i}].name",
                    f'"{entry.name}" at version {entry.version}',
                    f"a shorter name: its writer Job, {job}, is a Kubernetes name of at most "
                    f"{JOB_NAME_MAX} characters",
                )
            )
        if entry.source == "cloud":
            problems.append(
                Problem(
                    f"{NS}secrets[{i}].source",
                    '"cloud" for a mobile secret',
                    "literal, file or generated: the writer Job mounts the platform's versioned Secret",
                )
            )
    if not cms.enabled:
        problems += [
            Problem(f"{NS}cms.{key}", describe(getattr(cms, field)), "nothing while cms.enabled is false")
            for key, (field, _, _) in CMS_SECRETS.items()
            if getattr(cms, field) is not None
        ]
        if cfg.azure is not None and cfg.azure.operator_group_name is not None:
            problems.append(
                Problem(
                    f"{NS}azure.operatorGroupName",
                    describe(cfg.azure.operator_group_name),
                    "nothing while cms.enabled is false (only the CMS database's Entra administrator uses it)",
                )
            )
        return problems

    namespaces = {"cms": cms.namespace, "bff": cfg.bff.namespace}
    for key, (field, keys, owner) in CMS_SECRETS.items():
        name = getattr(cms, field)
        if key == "databaseSecret":
            if cfg.cloud == "aws" and name is not None:
                problems.append(
                    Problem(
                        f"{NS}cms.databaseSecret",
                        describe(name),
                        "nothing on AWS: RDS keeps the master password in Secrets Manager and rotates it",
                    )
                )
                continue
            if cfg.cloud == "aws":
                continue
        if name is None:
            problems.append(
                Problem(f"{NS}cms.{key}", "nothing", f"a catalogue secret with keys {', '.join(keys)}")
            )
            continue
        entry = secrets.get(name)
        if entry is None:
            problems.append(
                Problem(
                    f"{NS}cms.{key}",
                    describe(name),
                    f"the name of a secret in {NS}secrets ({_names(secrets)})",
                )
            )
            continue
        if not set(keys) <= set(_keys(entry)) or entry.source == "cloud":
            problems.append(
                Problem(
                    f"{NS}cms.{key}",
                    f'secret "{name}" ({entry.source}) with keys {_names(_keys(entry))}',
                    f"a literal, file or generated secret with keys {', '.join(keys)}",
                )
            )
        if entry.mobile:
            problems.append(
                Problem(
                    f"{NS}cms.{key}",
                    f'"{name}", a mobile secret',
                    "a backend secret: the CMS's own credentials are never handed to apps",
                )
            )
        where = _secret_namespace(cfg, entry, {w.name: w for w in cfg.workloads})
        if where != namespaces[owner]:
            problems.append(
                Problem(
                    f"{NS}cms.{key}",
                    f'secret "{name}" in namespace "{where}"',
                    f'a secret in namespace "{namespaces[owner]}", where its consumer runs',
                )
            )
    if cms.read_token_secret is not None and cms.read_token_secret == cms.writer_token_secret:
        problems.append(
            Problem(
                f"{NS}cms.writerTokenSecret",
                describe(cms.writer_token_secret),
                "a secret other than cms.readTokenSecret: the BFF's token may only read",
            )
        )
    for i, release in enumerate(cfg.helm_releases):
        for j, override in enumerate(release.secret_values):
            if cms.writer_token_secret is not None and override.secret == cms.writer_token_secret:
                problems.append(
                    Problem(
                        f"{NS}helmReleases[{i}].secretValues[{j}].secret",
                        f'"{override.secret}", the CMS writer token',
                        "any secret but the writer token, which only the writer Jobs mount",
                    )
                )
    if cms.admin_email is None:
        problems.append(
            Problem(f"{NS}cms.adminEmail", "nothing", "the e-mail of the first CMS administrator")
        )
    if cfg.cloud == "aws" and cms.database_ca_file is None:
        problems.append(
            Problem(
                f"{NS}cms.databaseCaFile",
                "nothing",
                "the RDS CA bundle of the region (truststore.pki.rds.amazonaws.com), so the CMS verifies "
                "its database",
            )
        )
    if cfg.cloud == "azure" and cfg.azure is not None and cfg.azure.operator_group_name is None:
        problems.append(
            Problem(
                f"{NS}azure.operatorGroupName",
                "nothing",
                "the display name of azure.operatorGroupObjectId: the CMS database's Entra administrator "
                "is that group, and its PostgreSQL role is named after it",
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
    if getattr(entry, "mobile", False):
        return cfg.cms.namespace
    readers = [r for r in entry.readers if r in workloads]  # type: ignore[attr-defined]
    return workloads[readers[0]].namespace_name if readers else cfg.bff.namespace


def _check_aws_names(cfg: StackConfig) -> list[Problem]:
    """Names AWS resources take from `cluster.name`, checked before any resource exists."""
    if cfg.cloud != "aws":
        return []
    rotation = any(isinstance(s, CloudSecret) and s.store == "default" and s.generate for s in cfg.secrets)
    problems = aws_names.name_problems(cfg.cluster.name, rotation=rotation, cms_database=cfg.cms.enabled)
    return [Problem(f"{NS}cluster.name", describe(cfg.cluster.name), expected) for expected in problems]


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


LOG_ANALYTICS_RETENTION = (30, 730)
"""Days a Log Analytics workspace (pay-as-you-go) keeps data (Workspace API, `retentionInDays`)."""


def _check_azure(cfg: StackConfig) -> list[Problem]:
    """Limits only Azure knows, checked before anything is declared (names of derived resources,
    Key Vault's firewall and secret names, the workspace's retention, the VNet's space)."""
    azure = cfg.azure
    if cfg.cloud != "azure" or azure is None:
        return []
    problems = []
    cluster = cfg.cluster.name
    if len(cluster) > az.AKS_DNS_PREFIX_MAX:
        problems.append(
            Problem(
                f"{NS}cluster.name",
                f"{describe(cluster)} ({len(cluster)} characters)",
                f"at most {az.AKS_DNS_PREFIX_MAX} characters: AKS uses the name as the cluster's DNS prefix",
            )
        )
    low, high = LOG_ANALYTICS_RETENTION
    if not low <= cfg.cluster.log_retention_days <= high:
        problems.append(
            Problem(
                f"{NS}cluster.logRetentionDays",
                describe(cfg.cluster.log_retention_days),
                f"{low} to {high} days on Azure (the Log Analytics workspace's retention)",
            )
        )
    for i, cidr in enumerate(azure.key_vault_allowed_cidrs):
        problem = az.firewall_cidr_problem(cidr)
        if problem:
            problems.append(Problem(f"{NS}azure.keyVaultAllowedCidrs[{i}]", describe(cidr), problem))
    network_problem = az.network_problem(azure.network_cidr)
    if network_problem:
        problems.append(Problem(f"{NS}azure.networkCidr", describe(azure.network_cidr), network_problem))
    names = [
        (f"{NS}cluster.name", az.LOG_ANALYTICS_WORKSPACE, az.log_workspace_name(cluster)),
        (f"{NS}cluster.name", az.DATA_COLLECTION_RULE, az.container_logs_rule_name(cluster)),
        (f"{NS}azure.keyVaultName", az.FUNCTION_APP, az.rotation_function_app_name(azure.key_vault_name)),
        (
            f"{NS}azure.keyVaultName",
            az.STORAGE_ACCOUNT,
            az.rotation_storage_account_name(azure.key_vault_name),
        ),
    ]
    if cfg.vault is not None:
        names += [
            (f"{NS}cluster.name", az.DATA_COLLECTION_ENDPOINT, az.vault_audit_ingestion_name(cluster)),
            (f"{NS}cluster.name", az.DATA_COLLECTION_RULE, az.vault_audit_ingestion_name(cluster)),
        ]
    for i, entry in enumerate(cfg.secrets):
        if isinstance(entry, CloudSecret) and entry.store == "default":
            names.append(
                (f"{NS}secrets[{i}].name", az.KEY_VAULT_SECRET, az.keyvault_secret_name(cluster, entry.name))
            )
    for i, workload in enumerate(cfg.workloads):
        names.append(
            (
                f"{NS}workloads[{i}].name",
                az.USER_ASSIGNED_IDENTITY,
                az.workload_identity_name(cluster, workload.name),
            )
        )
        names.append(
            (f"{NS}workloads[{i}].name", az.FEDERATED_CREDENTIAL, az.federated_credential_name(workload.name))
        )
    for key, rule, name in names:
        problem = az.name_problem(rule, name)
        if problem:
            problems.append(Problem(key, describe(name, limit=140), problem))
    return problems
