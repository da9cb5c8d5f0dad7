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
