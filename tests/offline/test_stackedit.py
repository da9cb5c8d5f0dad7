"""Stack-file edits keep every byte but the lines they mean to change, on the shipped stack files."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
import yaml

from offline.stackedit import EditError, StackFileEdit
from tests.conftest import ROOT


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_shipped_stack_files_round_trip_byte_for_byte(stack: str) -> None:
    path = ROOT / f"Pulumi.{stack}.yaml"
    assert StackFileEdit(path).text() == path.read_text()


def _copy(tmp_path: Path, stack: str = "dev") -> Path:
    target = tmp_path / f"Pulumi.{stack}.yaml"
    shutil.copy(ROOT / target.name, target)
    return target


def _added_and_removed(before: str, after: str) -> list[str]:
    return [
        line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:2] in ("+ ", "- ")
    ]


def test_a_bump_adds_one_line_where_version_was_unset_and_changes_one_where_it_was(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    before = path.read_text()
    edit = StackFileEdit(path)
    assert edit.bump_version("payments-db") == 2
    edit.write()
    once = path.read_text()
    assert _added_and_removed(before, once) == ["+       version: 2"]
    edit = StackFileEdit(path)
    assert edit.bump_version("payments-db", "drill") == 3
    edit.write()
    assert _added_and_removed(once, path.read_text()) == ["-       version: 2", "+       version: 3  # drill"]
    assert yaml.safe_load(path.read_text()) == {
        **yaml.safe_load(before),
        "config": {
            **yaml.safe_load(before)["config"],
            "secrets-platform:secrets": [
                {**e, "version": 3} if e["name"] == "payments-db" else e
                for e in yaml.safe_load(before)["config"]["secrets-platform:secrets"]
            ],
        },
    }


def test_a_plain_value_is_never_replaced_by_a_secret(tmp_path: Path) -> None:
    edit = StackFileEdit(_copy(tmp_path))
    with pytest.raises(EditError, match="holds a plain value"):
        edit.set_secure("cloud", "v1:AAAA:BBBB")


def test_a_catalogue_in_flow_style_is_edited_on_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.t.yaml"
    path.write_text(
        "# ops\nconfig:\n  secrets-platform:secrets: [{name: a, source: generated, keys: [k]}]  # one line\n"
    )
    edit = StackFileEdit(path)
    edit.bump_version("a")
    before = path.read_text()
    edit.write()
    changed = _added_and_removed(before, path.read_text())
    assert len(changed) == 2 and changed[1].startswith(
        "+   secrets-platform:secrets: [{name: a, source: generated, keys: [k], version: 2}]"
    )
    assert changed[1].endswith("# one line") and path.read_text().startswith("# ops\n")


def test_an_unknown_entry_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EditError, match="no entry named 'nope'"):
        StackFileEdit(_copy(tmp_path)).bump_version("nope")
