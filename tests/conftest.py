"""Shared fixtures: a scratch copy of the project with a stack file a test writes."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def dev_stack() -> dict[str, Any]:
    """The dev stack file as data: the happy path each test changes one thing of."""
    return yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def project(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """Write a stack `t` into a scratch copy of the project; return the project directory."""

    def make(stack_doc: dict[str, Any], stack: str = "t") -> Path:
        for name in ("Pulumi.yaml", "__main__.py"):
            shutil.copy(ROOT / name, tmp_path / name)
        for folder in ("certs", "charts", "functions"):
            if not (tmp_path / folder).exists():
                shutil.copytree(ROOT / folder, tmp_path / folder)
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(
            yaml.safe_dump(copy.deepcopy(stack_doc)), encoding="utf-8"
        )
        return tmp_path

    return make


# --- no test may skip -----------------------------------------------------------------------------
# A skipped test is a check that silently did not run (the strict schema check of a whole plan was once
# skipped wherever Node was missing). Every dependency is installed by `make test`, so a skip is a bug:
# the session fails and names it.

_SKIPPED: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _SKIPPED and not hasattr(session.config, "workerinput"):
        session.config.pluginmanager.get_plugin("terminalreporter").write_line(
            f"error: {len(_SKIPPED)} test(s) skipped; no test may skip: {', '.join(sorted(_SKIPPED)[:10])}",
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
