"""Reproducible Lambda packages: the same source gives the same zip, byte for byte, on any machine.

Why our own zip instead of `pulumi.FileArchive(<directory>)` or an `AssetArchive`: Pulumi zips a
directory itself (fixed 1990 timestamps, but Deflate output depends on the Go/zlib build and the
walk includes `__pycache__`), so neither the bytes Lambda receives nor its `CodeSha256` can be
known before deployment. A `FileArchive` that points at a `.zip` is uploaded unchanged (Pulumi's
`archive.go`: "If the source format is the same, just return that"), so the sha256 computed here
is exactly the `CodeSha256` Lambda reports, and the function is updated only when the code changes.

Determinism: entries sorted by their POSIX path, every timestamp 1980-01-01 00:00:00 (the ZIP
epoch), permissions 0644 with a Unix "made by", no directory entries, and entries stored without
compression, so no zlib version or level can change the bytes (the handler is a few kilobytes).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import zipfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644
"""A regular file, rw-r--r--: readable by the Lambda runtime's user, whatever the checkout's umask."""
UNIX = 3
"""`create_system` of the entries: Unix, so `external_attr` holds the mode above on every platform."""
SKIPPED_DIRS = frozenset({"__pycache__"})
SKIPPED_SUFFIXES = (".pyc", ".pyo")


def package_files(source_dir: Path) -> list[Path]:
    """Files that go into the package, sorted by their path inside it."""
    files = [
        path
        for path in source_dir.rglob("*")
        if path.is_file()
        and not any(
            part in SKIPPED_DIRS or part.startswith(".") for part in path.relative_to(source_dir).parts
        )
        and not path.name.endswith(SKIPPED_SUFFIXES)
    ]
    return sorted(files, key=lambda path: path.relative_to(source_dir).as_posix())


def build_zip(source_dir: Path | str, dest: Path | str) -> str:
    """Write `source_dir`'s files to the zip `dest`; return the base64 sha256 of the zip's bytes.

    The return value is what Lambda reports as `CodeSha256` for this package (and what the
    function's `code_sha256` / `source_code_hash` compare with).
    """
    source = Path(source_dir)
    target = Path(dest)
    files = package_files(source)
    if not files:
        raise ValueError(f"{source} holds no files to package")
    # Replaced atomically: a concurrent reader sees the old zip or the new one, never half of one.
    return _write_zip([(path.relative_to(source).as_posix(), path) for path in files], target)


# --- Azure Functions packages ------------------------------------------------------------------

SITE_PACKAGES = ".python_packages/lib/site-packages"
"""Where a Python function app's own dependencies go in its package (Azure Functions Python developer
guide, "Custom dependencies": `pip install --target=.python_packages/lib/site-packages`); the host adds
it to `sys.path`. A run-from-package app gets no remote build, so the package must hold them."""


def requirement_closure(names: list[str]) -> list[importlib.metadata.Distribution]:
    """The installed distributions `names` need, transitively, for this interpreter and platform.

    Resolved from the environment `make venv` built from the hashed lock: the function ships exactly
    the locked versions its tests ran against. Extras are not followed; markers are evaluated here, so
    the package must be built with the Python version and platform the function runs on (Linux,
    CPython 3.11: `PYTHON_VERSION` in `components/azure/rotation_function.py`).
    """
    seen: dict[str, importlib.metadata.Distribution] = {}
    pending = list(names)
    while pending:
        requirement = Requirement(pending.pop())
        key = canonicalize_name(requirement.name)
        if key in seen:
            continue
        dist = importlib.metadata.distribution(requirement.name)
        seen[key] = dist
        for text in dist.requires or []:
            dependency = Requirement(text)
            if dependency.marker is None or dependency.marker.evaluate({"extra": ""}):
                pending.append(str(dependency.name))
    return sorted(seen.values(), key=lambda d: canonicalize_name(d.metadata["Name"]))


def distribution_files(dist: importlib.metadata.Distribution) -> list[tuple[str, Path]]:
    """(path inside site-packages, file on disk) of an installed distribution, from its RECORD.

    Scripts and data installed outside site-packages (`../../bin/...`) and bytecode are left out.
    """
    found = []
    for entry in dist.files or []:
        posix = entry.as_posix()
        if posix.startswith("..") or "__pycache__" in entry.parts or posix.endswith(SKIPPED_SUFFIXES):
            continue
        path = Path(str(dist.locate_file(entry)))
        if path.is_file():
            found.append((posix, path))
    return found


def requirement_names(requirements_file: Path) -> list[str]:
    """Names listed in a requirements file (comments and blank lines skipped)."""
    names = []
    for line in requirements_file.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if text:
            names.append(Requirement(text).name)
    return names


def build_function_app_zip(source_dir: Path | str, dest: Path | str) -> str:
    """Write a Python function app's package: its source files and, under `SITE_PACKAGES`, the installed
    distributions its `requirements.txt` needs. Same source and same lock, same bytes; returns the zip's
    base64 sha256 like `build_zip`."""
    source = Path(source_dir)
    entries = [(path.relative_to(source).as_posix(), path) for path in package_files(source)]
    if not entries:
        raise ValueError(f"{source} holds no files to package")
    requirements = source / "requirements.txt"
    if requirements.is_file():
        for dist in requirement_closure(requirement_names(requirements)):
            entries += [(f"{SITE_PACKAGES}/{name}", path) for name, path in distribution_files(dist)]
    return _write_zip(sorted(entries, key=lambda entry: entry[0]), Path(dest))


def _write_zip(entries: list[tuple[str, Path]], target: Path) -> str:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, path in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.create_system = UNIX
            info.external_attr = FILE_MODE << 16
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, path.read_bytes())
    partial.replace(target)
    return base64.b64encode(hashlib.sha256(target.read_bytes()).digest()).decode("ascii")
