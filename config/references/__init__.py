"""Cross-references in a stack: names that must exist, be unique and agree with each other.

A pure function of a validated `StackConfig`, so it is tested without Pulumi. `check_references` walks
the workloads, the catalogue and the apps here; each concern's rules are in their own module:
`cloud.py`, `mobile.py`, `vault.py`, on the helpers of `_common.py`."""

from __future__ import annotations

from config.errors import Problem, describe
from config.models import StackConfig
from config.references._common import (
    BUILT_IN_WORKLOADS,
    JOB_NAME_MAX,
    NS,
    WRITER_JOB_PREFIX,
    duplicates,
    entry_keys,
    listed,
    secret_namespace,
)
from config.references.cloud import check_aws_names, check_azure, check_cloud
from config.references.mobile import check_bff_release, check_cms, check_edge
from config.references.vault import check_vault, vault_unexpected_reader_filter_length

__all__ = [
    "BUILT_IN_WORKLOADS",
    "JOB_NAME_MAX",
    "NS",
    "WRITER_JOB_PREFIX",
    "check_references",
    "vault_unexpected_reader_filter_length",
]


def check_references(cfg: StackConfig) -> list[Problem]:
    """Every problem of cross-reference in the stack, each reported once."""
    problems: list[Problem] = []
    workloads = {w.name: w for w in cfg.workloads}
    secrets = {s.name: s for s in cfg.secrets}

    problems += check_cloud(cfg)
    problems += check_aws_names(cfg)
    problems += check_azure(cfg)
    problems += duplicates("workloads", [w.name for w in cfg.workloads], "workload")
    problems += duplicates("secrets", [s.name for s in cfg.secrets], "secret")
    problems += duplicates("apps", [a.name for a in cfg.apps], "app")
    problems += duplicates("helmReleases", [h.name for h in cfg.helm_releases], "Helm release")

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
                        f"the name of a workload in {NS}workloads ({listed(peers)}); the BFF and the CMS "
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
                        f"the name of a workload in {NS}workloads ({listed(workloads)})",
                    )
                )
        namespace = secret_namespace(cfg, entry, workloads)
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

    problems += check_vault(cfg)

    mobile = {s.name for s in cfg.secrets if s.mobile}
    for i, app in enumerate(cfg.apps):
        for j, name in enumerate(app.secrets):
            if name not in secrets:
                problems.append(
                    Problem(
                        f"{NS}apps[{i}].secrets[{j}]",
                        describe(name),
                        f"the name of a secret in {NS}secrets ({listed(secrets)})",
                    )
                )
            elif name not in mobile:
                # A mobile app's secrets end up on devices: a backend secret (a database password)
                # must never be handed out, whatever else the app is granted.
                problems.append(
                    Problem(
                        f"{NS}apps[{i}].secrets[{j}]",
                        f'"{name}", a backend secret (not declared with mobile: true)',
                        f"a secret declared for mobile delivery ({listed(mobile)})",
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
                        f"the name of a secret in {NS}secrets ({listed(secrets)})",
                    )
                )
            elif override.key not in entry_keys(entry):
                problems.append(
                    Problem(
                        f"{NS}helmReleases[{i}].secretValues[{j}].key",
                        describe(override.key),
                        f'a key of secret "{entry.name}" ({listed(entry_keys(entry))})',
                    )
                )

    problems += check_edge(cfg, secrets)
    problems += check_cms(cfg, secrets)
    problems += check_bff_release(cfg)
    return problems
