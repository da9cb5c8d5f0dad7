"""Names at the edge of what the config accepts plan without a component refusing them: every limit a
derived name has is a config check, so it never first bites halfway through `pulumi up`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from offline.plan import make_plan
from tests.conftest import ROOT, dev_stack


def _longest(doc: dict) -> str:
    """The dev stack with every workload named as long as a Kubernetes name may be and the longest
    cluster name the AWS names allow; everything else unchanged."""
    text = yaml.safe_dump(doc)
    for old in ("payments-api", "orders-api"):
        text = text.replace(old, (old[0] * 59 + "-api")[:63])
    return text.replace("name: secrets-dev", "name: " + "c" * 48)


def test_the_longest_names_the_config_accepts_plan(project: Callable[..., Path]) -> None:
    project_dir = project(yaml.safe_load(_longest(dev_stack())))
    plan = make_plan(project_dir, "t")
    names = {
        r.inputs.get("functionName") or r.inputs.get("name")
        for r in plan.resources
        if r.type.startswith("aws:")
    }
    assert "c" * 48 + "-secret-rotation" in names, "the rotation Lambda takes its longest name"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_shipped_stacks_are_within_every_derived_limit(stack: str) -> None:
    assert make_plan(ROOT, stack).resources
