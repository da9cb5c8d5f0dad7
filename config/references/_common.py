"""What every reference check shares: the namespace, platform names, list helpers."""

from __future__ import annotations

from collections.abc import Iterable

from config.errors import Problem, describe
from config.models import PROJECT, StackConfig

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


def listed(names: Iterable[str]) -> str:
    listed = sorted(names)
    return ", ".join(listed) if listed else "none are declared"


def duplicates(prefix: str, names: list[str], what: str) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for index, name in enumerate(names):
        if name in seen:
            problems.append(
                Problem(f"{NS}{prefix}[{index}].name", describe(name), f"a {what} name not used before")
            )
        seen.add(name)
    return problems


def entry_keys(entry: object) -> list[str]:
    keys = entry.keys  # type: ignore[attr-defined]
    return list(keys)


def secret_namespace(cfg: StackConfig, entry: object, workloads: dict) -> str:
    namespace = getattr(entry, "namespace", None)
    if namespace:
        return namespace
    if getattr(entry, "mobile", False):
        return cfg.cms.namespace
    readers = [r for r in entry.readers if r in workloads]  # type: ignore[attr-defined]
    return workloads[readers[0]].namespace_name if readers else cfg.bff.namespace
