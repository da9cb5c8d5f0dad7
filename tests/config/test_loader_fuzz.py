"""Generated stack files: the loader may refuse them, never crash or hang.

Each example starts from the dev stack (so most of it is valid and deep checks are reached) and
changes a few places at random: a value replaced by junk of another type, a key deleted, an unknown
key added, a whole structure swapped. The program then runs under the offline engine, as `plan` runs
it. The only acceptable outcomes are a plan or a `pulumi.RunError` (a config or declaration error,
shown as one clear message without a traceback); hypothesis' deadline bounds the time.
"""

from __future__ import annotations

import copy
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offline.plan import capture_stack
from tests.conftest import ROOT, dev_stack

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=80),
    st.sampled_from(["", " ", "../../etc/passwd", "/dev/zero", "kube-system", "a" * 300, "0.0.0.0/0", "*"]),
    st.lists(st.text(max_size=10), max_size=3),
    st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=3),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _mutate(doc: dict[str, Any], path: tuple[Any, ...], action: str, junk: Any) -> None:
    *head, last = path
    holder: Any = doc
    for part in head:
        holder = holder[part]
    if action == "replace":
        holder[last] = junk
    elif action == "delete":
        del holder[last]
    elif action == "add" and isinstance(holder[last], dict):
        holder[last][str(junk)[:20] or "x"] = junk
    elif action == "add" and isinstance(holder[last], list):
        holder[last].append(junk)


@st.composite
def stack_files(draw: Callable[..., Any]) -> dict[str, Any]:
    doc = copy.deepcopy(dev_stack())
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = [p for p in _paths(doc["config"]) if p]
        path = draw(st.sampled_from(paths))
        _mutate(doc["config"], path, draw(st.sampled_from(["replace", "delete", "add"])), draw(JUNK))
    return doc


@settings(
    max_examples=40,
    deadline=20_000,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(doc=stack_files())
def test_generated_stack_files_are_refused_or_planned_never_crash(
    tmp_path_factory: Any, doc: dict[str, Any]
) -> None:
    project = _project(tmp_path_factory.mktemp("fuzz"), doc)
    try:
        capture_stack(project, "t")
    except pulumi.RunError as exc:
        header, *lines = str(exc).splitlines()
        assert re.fullmatch(r"\d+ problems? in the stack config:", header), header
        assert lines, "a refusal says why"
        for line in lines:
            # One line per problem: the stack file, the key path, what was found, what is expected.
            assert re.fullmatch(r"Pulumi\.t\.yaml: \S.*: (found .*; expected .*|.+)", line), line
        assert "spcanary" not in str(exc), "a refusal never echoes a secret placeholder"


def _project(base: Path, doc: dict[str, Any]) -> Path:
    for name in ("Pulumi.yaml", "__main__.py"):
        (base / name).write_bytes((ROOT / name).read_bytes())
    for folder in ("certs", "charts", "functions"):
        if not (base / folder).exists():
            shutil.copytree(ROOT / folder, base / folder)
    (base / "Pulumi.t.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    return base
