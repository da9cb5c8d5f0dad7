"""The rotation packages are reproducible (same source, same bytes, same CodeSha256), and the Azure
function's 21 MB package is rebuilt only when the hash of its inputs changes."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from functions.package import (
    MANIFEST_SUFFIX,
    ZIP_EPOCH,
    PackageEntry,
    build_function_app_zip,
    build_zip,
    function_app_entries,
    inputs_digest,
)

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


# --- the Azure rotation function's package: content-addressed reuse ------------------------------

FUNCTION_APP = Path(__file__).resolve().parents[2] / "functions" / "keyvault_rotation"


def _sha256(path: Path) -> str:
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def test_an_unchanged_function_app_package_is_reused_not_rewritten(tmp_path: Path) -> None:
    package = tmp_path / "out" / "keyvault-rotation.zip"
    first = build_function_app_zip(FUNCTION_APP, package)
    before = package.stat()
    second = build_function_app_zip(FUNCTION_APP, package)
    after = package.stat()
    assert first == second == _sha256(package)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns), "the zip was rewritten"


def test_a_reused_package_has_the_bytes_of_a_fresh_build(tmp_path: Path) -> None:
    reused = tmp_path / "a" / "keyvault-rotation.zip"
    build_function_app_zip(FUNCTION_APP, reused)
    build_function_app_zip(FUNCTION_APP, reused)
    fresh = tmp_path / "b" / "keyvault-rotation.zip"
    build_function_app_zip(FUNCTION_APP, fresh)
    assert reused.read_bytes() == fresh.read_bytes()


def test_a_changed_source_file_rebuilds_the_package(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(FUNCTION_APP, source, ignore=shutil.ignore_patterns("__pycache__"))
    package = tmp_path / "keyvault-rotation.zip"
    before = build_function_app_zip(source, package)
    with (source / "rotation.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# changed\n")
    after = build_function_app_zip(source, package)
    assert after != before and after == _sha256(package)
    with zipfile.ZipFile(package) as archive:
        assert archive.read("rotation.py").endswith(b"# changed\n")


def test_a_package_touched_since_its_build_is_rebuilt_not_trusted(tmp_path: Path) -> None:
    package = tmp_path / "keyvault-rotation.zip"
    expected = build_function_app_zip(FUNCTION_APP, package)
    package.write_bytes(b"not the package")
    assert build_function_app_zip(FUNCTION_APP, package) == expected == _sha256(package)


def test_recorded_content_hashes_give_the_key_the_bytes_give(tmp_path: Path) -> None:
    """The inputs' key is a hash of contents: taking an installed file's hash from its RECORD gives the
    same key as hashing its bytes, so the shortcut cannot hide a change in content."""
    entries = function_app_entries(FUNCTION_APP)
    recorded = [e for e in entries if e.recorded_sha256 is not None]
    assert len(recorded) > 100, "the dependencies' files carry their RECORD hashes"
    from_bytes = [PackageEntry(e.name, e.path) for e in entries]
    assert inputs_digest(entries) == inputs_digest(from_bytes)


def test_concurrent_builds_leave_one_whole_package(tmp_path: Path) -> None:
    package = tmp_path / "keyvault-rotation.zip"
    with ThreadPoolExecutor(max_workers=4) as pool:
        digests = set(pool.map(lambda _: build_function_app_zip(FUNCTION_APP, package), range(4)))
    assert digests == {_sha256(package)}
    assert sorted(p.name for p in tmp_path.iterdir()) == [package.name, package.name + MANIFEST_SUFFIX]
    with zipfile.ZipFile(package) as archive:
        assert archive.testzip() is None
