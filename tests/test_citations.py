"""Docstrings and comments cite only files that exist: a path of this repository that is gone, or a
file outside it (a note on someone's machine), misleads the next reader. Citations of other projects'
files name the project (`pulumi/pulumi`, `upstream`) and are not checked here."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import ROOT

TOP_LEVEL = (
    "components",
    "config",
    "offline",
    "policies",
    "tests",
    "charts",
    "functions",
    "bench",
    "tools",
    "bff",
)
OURS = re.compile(r"(?<![\w./-])((?:" + "|".join(TOP_LEVEL) + r"|\.github)/[\w./-]*\w\.[a-z]{1,4})\b")
NOTE = re.compile(r"(?<![\w./-])([A-Z][A-Z_]+\.md)\b")
EXTERNAL = re.compile(r"upstream|pulumi/pulumi|github\.com/|[a-z0-9-]+/[a-z0-9-]+ repository", re.IGNORECASE)


def _python_prose(path: Path) -> Iterator[tuple[int, str]]:
    """Comments and docstring-like strings (a string standing alone as a statement) of a module."""
    text = path.read_text(encoding="utf-8")
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string
    for node in ast.walk(ast.parse(text)):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            for offset, line in enumerate(node.value.value.splitlines()):
                yield node.lineno + offset, line


def _sources() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        # Any `.venv*` (bench/check.py keeps checkov in bench/.venv-checkov), dependencies, git.
        if not {"node_modules", ".git"} & set(parts) and not any(p.startswith(".venv") for p in parts):
            yield path


def test_prose_cites_only_files_that_exist() -> None:
    missing = []
    for path in _sources():
        for line_no, line in _python_prose(path):
            if EXTERNAL.search(line):
                continue
            for cited in OURS.findall(line) + NOTE.findall(line):
                if not (ROOT / cited).exists():
                    missing.append(f"{path.relative_to(ROOT)}:{line_no}: {cited}")
    assert missing == [], "cited files that are not in the repository:\n" + "\n".join(missing)


def test_the_readme_links_only_files_that_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(((?!https?://|#)[^)#]+)", readme)
    assert [link for link in links if not (ROOT / link).exists()] == []
