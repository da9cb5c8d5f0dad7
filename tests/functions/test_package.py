"""The rotation Lambda's package is reproducible: same source, same bytes, same CodeSha256."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from functions.package import ZIP_EPOCH, build_zip

SOURCE = Path(__file__).resolve().parents[2] / "functions" / "secretsmanager_rotation"


def copy_source(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(SOURCE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_two_builds_are_byte_identical_with_the_same_hash(tmp_path: Path) -> None:
    first = build_zip(SOURCE, tmp_path / "a" / "rotation.zip")
    second = build_zip(SOURCE, tmp_path / "b" / "rotation.zip")
    assert (tmp_path / "a" / "rotation.zip").read_bytes() == (tmp_path / "b" / "rotation.zip").read_bytes()
    assert first == second


def test_hash_is_the_base64_sha256_of_the_zip(tmp_path: Path) -> None:
    package = tmp_path / "rotation.zip"
    digest = build_zip(SOURCE, package)
    assert digest == base64.b64encode(hashlib.sha256(package.read_bytes()).digest()).decode()


def test_zip_holds_the_handler_at_its_root_with_fixed_metadata(tmp_path: Path) -> None:
    package = tmp_path / "rotation.zip"
    build_zip(SOURCE, package)
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
        assert "handler.py" in names, "Lambda imports handler.lambda_handler from the zip's root"
        assert names == sorted(names), "entries are sorted"
        assert not any("__pycache__" in n or n.endswith(".pyc") for n in names), "no bytecode is packaged"
        for info in archive.infolist():
            assert info.date_time == ZIP_EPOCH, f"{info.filename}: fixed timestamp"
            assert info.external_attr >> 16 == 0o100644, f"{info.filename}: fixed permissions"
            assert info.compress_type == zipfile.ZIP_STORED, f"{info.filename}: stored, no zlib dependence"
        assert archive.read("handler.py") == (SOURCE / "handler.py").read_bytes()


def test_timestamps_permissions_and_bytecode_of_the_checkout_do_not_matter(tmp_path: Path) -> None:
    reference = build_zip(copy_source(tmp_path, "one"), tmp_path / "one.zip")
    other = copy_source(tmp_path, "two")
    os.utime(other / "handler.py", (1_700_000_000, 1_700_000_000))
    (other / "handler.py").chmod(0o755)
    (other / "__pycache__").mkdir()
    (other / "__pycache__" / "handler.cpython-312.pyc").write_bytes(b"bytecode")
    assert build_zip(other, tmp_path / "two.zip") == reference
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()


def test_a_changed_source_changes_the_hash(tmp_path: Path) -> None:
    source = copy_source(tmp_path, "src")
    before = build_zip(source, tmp_path / "before.zip")
    with (source / "handler.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# changed\n")
    assert build_zip(source, tmp_path / "after.zip") != before


def test_an_empty_source_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no files"):
        build_zip(tmp_path / "empty", tmp_path / "empty.zip")
