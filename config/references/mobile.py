"""The mobile path's references: the BFF release, the edge, the CMS and its secrets."""

from __future__ import annotations

from config.errors import Problem, describe
from config.models import StackConfig
from config.references._common import (
    BFF_CHART,
    JOB_NAME_MAX,
    NS,
    WRITER_JOB_PREFIX,
    entry_keys,
    listed,
    secret_namespace,
)


def check_bff_release(cfg: StackConfig) -> list[Problem]:
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


def check_edge(cfg: StackConfig, secrets: dict) -> list[Problem]:
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
                    f"the name of a secret in {NS}secrets ({listed(secrets)})",
                )
            )
        elif not {"tls.crt", "tls.key"} <= set(entry_keys(tls)):
            problems.append(
                Problem(
                    f"{NS}bff.tlsSecret",
                    f'secret "{tls.name}" with keys {listed(entry_keys(tls))}',
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


def check_cms(cfg: StackConfig, secrets: dict) -> list[Problem]:
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
                    f"the name of a secret in {NS}secrets ({listed(secrets)})",
                )
            )
            continue
        if not set(keys) <= set(entry_keys(entry)) or entry.source == "cloud":
            problems.append(
                Problem(
                    f"{NS}cms.{key}",
                    f'secret "{name}" ({entry.source}) with keys {listed(entry_keys(entry))}',
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
        where = secret_namespace(cfg, entry, {w.name: w for w in cfg.workloads})
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
