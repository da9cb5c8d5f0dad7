"""Policy messages never repeat an input value: under `pulumi preview` the pack sees secrets in plain text.

Every resource of every corpus program is judged again with canaries in its string values: one value
at a time (in turn raw, upper-cased, hex, base64 and inside a longer string), also inside the JSON,
YAML and HCL documents a value may hold, and then every value at once. No message of any policy may
hold a canary in any form (`offline.leaks.LeakScanner`). Messages may name input paths and map keys;
a secret in a map key is refused by the plan itself (`offline.plan.find_leaks`).
"""

from __future__ import annotations

import base64
import dataclasses
import importlib.util
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

from offline.leaks import LeakScanner
from offline.runtime import Capture, Registration
from policies import ALL_POLICIES
from tests.conftest import ROOT
from tests.policies.conftest import resource_args, run, stack_args

CORPUS = sorted(p for p in (ROOT / "tests" / "corpus").glob("*.py") if not p.name.startswith("_"))
CANARY = "spcanary-t-7-0a1b2c3d"
FORMS: list[Callable[[str], str]] = [
    lambda c: c,
    str.upper,
    lambda c: c.encode().hex(),
    lambda c: base64.b64encode(c.encode()).decode(),
    lambda c: f"prefix-{c}-suffix",
]
_QUOTED = re.compile(r'"([^"\\]*)"')
SCANNER = LeakScanner()


def _load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"messages_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _document(text: str) -> tuple[Any, Callable[[Any], str]] | None:
    """A JSON or YAML document inside a string value, with the function that writes it back."""
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            return json.loads(stripped), json.dumps
        except ValueError:
            return None
    if "\n" in stripped and ":" in stripped:
        try:
            documents = list(yaml.safe_load_all(stripped))
        except yaml.YAMLError:
            return None
        if documents and all(isinstance(d, (dict, list)) for d in documents if d is not None):
            return documents, lambda docs: yaml.safe_dump_all(docs)
    return None


def variants(value: Any, form: Callable[[str], str]) -> Iterator[Any]:
    """Copies of `value` with one string leaf (or one quoted string inside a text) replaced by the
    canary in `form`."""
    if isinstance(value, dict):
        for key, item in value.items():
            for changed in variants(item, form):
                yield {**value, key: changed}
    elif isinstance(value, list):
        for i, item in enumerate(value):
            for changed in variants(item, form):
                yield [*value[:i], changed, *value[i + 1 :]]
    elif isinstance(value, str):
        yield form(CANARY)
        inner = _document(value)
        if inner is not None:
            document, write = inner
            for changed in variants(document, form):
                yield write(changed)
        elif '"' in value:
            for match in _QUOTED.finditer(value):
                yield value[: match.start(1)] + form(CANARY) + value[match.end(1) :]


def everywhere(value: Any) -> Any:
    """`value` with every string leaf replaced by the canary."""
    if isinstance(value, dict):
        return {k: everywhere(v) for k, v in value.items()}
    if isinstance(value, list):
        return [everywhere(v) for v in value]
    return CANARY if isinstance(value, str) else value


def _messages(capture: Capture, changed: Registration) -> Iterator[tuple[str, str]]:
    """(policy, message) of every policy over a capture in which one registration is replaced."""
    resources = [changed if r.urn == changed.urn else r for r in capture.resources]
    one, stack = resource_args(changed), stack_args(dataclasses.replace(capture, resources=resources))
    found: list[tuple[str, str]] = []
    for policy in ALL_POLICIES:
        args = one if isinstance(policy, ResourceValidationPolicy) else stack
        if isinstance(policy, (ResourceValidationPolicy, StackValidationPolicy)):
            policy.validate(args, lambda m, urn=None, p=policy.name: found.append((p, m)))  # type: ignore[arg-type]
    yield from found


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_no_message_repeats_an_input_value(path: Path) -> None:
    case = _load(path)
    capture = run(case.program)
    judged: set[str] = set()
    for reg in capture.resources:
        changes = [everywhere(reg.inputs)]
        for n, form in enumerate(FORMS):
            changes += [c for i, c in enumerate(variants(reg.inputs, form)) if i % len(FORMS) == n]
        for inputs in changes:
            changed = dataclasses.replace(reg, inputs=inputs, secret_paths=[])
            for policy, text in _messages(capture, changed):
                judged.add(policy)
                assert not SCANNER.found_in(text), f"{path.stem}: {policy} repeats an input value: {text!r}"
    pack = {p for p in case.EXPECTED if not p.startswith("offline-")}
    assert pack <= judged, (
        f"{path.stem}: the messages of {sorted(pack - judged)} were never produced, so never tested"
    )


def test_the_scanner_finds_each_form() -> None:
    for form in FORMS:
        assert SCANNER.found_in(f"Statement[0] {form(CANARY)} here."), form
    assert not SCANNER.found_in("rules[0] allows create on pods/exec. Remove the rule.")
