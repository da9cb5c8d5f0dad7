"""Mistakes in the files around the config, not in its values: the stack file as YAML, the stack
name, and the files that `source: file` secrets name. Each gets one clear line and exit 2, and
nothing is read that could block (a FIFO) or lies outside the project (a symlink).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline.cli import main
from tests.conftest import dev_stack

NS = "secrets-platform:"


def _plan(project_dir: Path, capsys: pytest.CaptureFixture[str], stack: str = "t") -> tuple[int, str]:
    code = main(["--project-dir", str(project_dir), "plan", "--stack", stack])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err


def _problem_lines(err: str, file: str = "Pulumi.t.yaml") -> list[str]:
    return [line.removeprefix(f"{file}: ") for line in err.splitlines() if line.startswith(f"{file}: ")]


def _with_ca(project: Callable[..., Path], path: str) -> tuple[Path, dict[str, Any]]:
    """The dev stack whose `payments-ca` file secret reads `path`."""
    doc = dev_stack()
    entry = next(s for s in doc["config"][NS + "secrets"] if s["name"] == "payments-ca")
    entry["keys"] = {"ca.crt": path}
    return project(doc), doc


def test_a_duplicate_key_is_refused_as_the_cli_refuses_it(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    project_dir = project(dev_stack())
    text = (project_dir / "Pulumi.t.yaml").read_text(encoding="utf-8")
    (project_dir / "Pulumi.t.yaml").write_text(
        text.replace("config:\n", "config:\n  secrets-platform:cloud: azure\n", 1), encoding="utf-8"
    )
    code, err = _plan(project_dir, capsys)
    assert code == 2
    [line] = _problem_lines(err)
    assert (
        line.startswith("line ") and 'mapping key "secrets-platform:cloud" already defined at line 2' in line
    )


@pytest.mark.parametrize("stack", ["../prod", "a/b", "has space", "x" * 101, "", "dev;rm"])
def test_a_stack_name_the_cli_refuses_is_refused_before_any_file_is_read(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str], stack: str
) -> None:
    code, err = _plan(project(dev_stack()), capsys, stack=stack)
    assert code == 2
    assert "(command line): --stack: found" in err
    assert "expected a stack name of 1 to 100 letters, digits, '-', '_' or '.'" in err


def test_a_document_expanding_through_aliases_is_refused_without_expanding_it(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    project_dir = project(dev_stack())
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    (project_dir / "Pulumi.t.yaml").write_text("\n".join(lines) + "\nconfig: {}\n", encoding="utf-8")
    code, err = _plan(project_dir, capsys)
    assert code == 2
    assert _problem_lines(err) == [
        "(file): found a document that expands past 100,000 nodes through aliases; "
        "expected a stack file without excessive aliasing"
    ]


def test_a_project_file_that_is_not_a_map_is_refused(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    project_dir = project(dev_stack())
    (project_dir / "Pulumi.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    code, err = _plan(project_dir, capsys)
    assert code == 2
    assert _problem_lines(err, "Pulumi.yaml") == [
        "(file): found not a map with a config: map; expected a Pulumi project file"
    ]


EXPECTED = "expected a regular UTF-8 text file inside the project directory, at most 1 MiB"
WHERE = "secrets-platform:secrets[2].keys.ca.crt"


def test_a_symlink_out_of_the_project_is_refused_and_not_read(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "stolen.pem"
    outside.write_text("-----BEGIN PRIVATE KEY-----\nnot-for-this-project\n", encoding="utf-8")
    project_dir, _ = _with_ca(project, "certs/link.crt")
    (project_dir / "certs" / "link.crt").symlink_to(outside)
    code, err = _plan(project_dir, capsys)
    assert code == 2
    assert _problem_lines(err) == [
        f'{WHERE}: found "certs/link.crt", a link to a file outside the project; {EXPECTED}'
    ]


def test_a_symlink_inside_the_project_is_followed(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    project_dir, _ = _with_ca(project, "certs/alias.crt")
    (project_dir / "certs" / "alias.crt").symlink_to(project_dir / "certs" / "payments-ca.crt")
    code, err = _plan(project_dir, capsys)
    assert code == 0, err


def test_a_named_pipe_is_refused_without_blocking_on_it(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    project_dir, _ = _with_ca(project, "certs/pipe.crt")
    os.mkfifo(project_dir / "certs" / "pipe.crt")
    code, err = _plan(project_dir, capsys)
    assert code == 2
    assert _problem_lines(err) == [f'{WHERE}: found "certs/pipe.crt", a named pipe; {EXPECTED}']


def test_a_device_is_refused(project: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    # /dev/zero through a link: outside the project, and a device; refused before anything is read.
    project_dir, _ = _with_ca(project, "certs/zero.crt")
    (project_dir / "certs" / "zero.crt").symlink_to("/dev/zero")
    code, err = _plan(project_dir, capsys)
    assert code == 2
    assert len(_problem_lines(err)) == 1 and "certs/zero.crt" in err


def test_a_file_over_the_secret_size_limit_is_refused(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    project_dir, _ = _with_ca(project, "certs/big.crt")
    (project_dir / "certs" / "big.crt").write_text("a" * (1024 * 1024 + 1), encoding="utf-8")
    code, err = _plan(project_dir, capsys)
    assert code == 2
    assert _problem_lines(err) == [f'{WHERE}: found "certs/big.crt", 1,048,577 bytes; {EXPECTED}']


def test_files_over_the_limit_together_are_refused(
    project: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    doc = dev_stack()
    entry = next(s for s in doc["config"][NS + "secrets"] if s["name"] == "payments-ca")
    entry["keys"] = {"a.crt": "certs/a.crt", "b.crt": "certs/b.crt"}
    project_dir = project(doc)
    for name in ("a", "b"):
        (project_dir / "certs" / f"{name}.crt").write_text("a" * 600_000, encoding="utf-8")
    code, err = _plan(project_dir, capsys)
    assert code == 2
    assert _problem_lines(err) == [
        "secrets-platform:secrets[2].keys: found files of 1,200,000 bytes in all; "
        "expected at most 1 MiB for one Secret: split the files over several secrets"
    ]


def test_the_stack_file_round_trips_through_the_strict_loader() -> None:
    """The strict loader reads the shipped stacks exactly as PyYAML's safe loader does."""
    from offline.stackfiles import _load_yaml
    from tests.conftest import ROOT

    for name in ("Pulumi.dev.yaml", "Pulumi.prod.yaml", "Pulumi.yaml"):
        assert _load_yaml(ROOT / name) == yaml.safe_load((ROOT / name).read_text(encoding="utf-8")), name
