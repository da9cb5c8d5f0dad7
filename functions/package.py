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

The Azure rotation function's package holds its dependencies too (about 21 MB): it is content-addressed,
rebuilt only when the hash of its inputs changes (`build_function_app_zip`), so a plan that changes
nothing of the function does not rewrite it.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG

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


@dataclass(frozen=True)
class PackageEntry:
    """One file of a package."""

    name: str
    """Its path inside the package (POSIX)."""
    path: Path
    """The file on disk."""
    recorded_sha256: str | None = None
    """The sha256 of its content as its distribution's RECORD lists it (urlsafe base64, no padding),
    when the file on disk still has the RECORD's size; None for files hashed from their bytes."""


def distribution_files(dist: importlib.metadata.Distribution) -> list[PackageEntry]:
    """The files of an installed distribution, from its RECORD, named by their path in site-packages.

    Scripts and data installed outside site-packages (`../../bin/...`) and bytecode are left out. pip
    writes RECORD from the wheel it installed (PEP 376 and 627: `sha256=<urlsafe base64>` and the size
    of each file), and `make venv` installs only wheels whose hashes the lock pins, so a file still of
    its recorded size carries its recorded content hash; one edited in place to another size does not.
    """
    found = []
    for entry in dist.files or []:
        posix = entry.as_posix()
        if posix.startswith("..") or "__pycache__" in entry.parts or posix.endswith(SKIPPED_SUFFIXES):
            continue
        path = Path(str(dist.locate_file(entry)))
        try:
            stat = path.stat()
        except OSError:
            continue
        if not S_ISREG(stat.st_mode):
            continue
        recorded = None
        if entry.hash is not None and entry.hash.mode == "sha256" and entry.size == stat.st_size:
            recorded = entry.hash.value
        found.append(PackageEntry(posix, path, recorded))
    return found


def requirement_names(requirements_file: Path) -> list[str]:
    """Names listed in a requirements file (comments and blank lines skipped)."""
    names = []
    for line in requirements_file.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if text:
            names.append(Requirement(text).name)
    return names


def function_app_entries(source_dir: Path | str) -> list[PackageEntry]:
    """The files of a Python function app's package, sorted by path: its source files and, under
    `SITE_PACKAGES`, the installed distributions its `requirements.txt` needs."""
    source = Path(source_dir)
    entries = [PackageEntry(path.relative_to(source).as_posix(), path) for path in package_files(source)]
    if not entries:
        raise ValueError(f"{source} holds no files to package")
    requirements = source / "requirements.txt"
    if requirements.is_file():
        for dist in requirement_closure(requirement_names(requirements)):
            entries += [
                PackageEntry(f"{SITE_PACKAGES}/{e.name}", e.path, e.recorded_sha256)
                for e in distribution_files(dist)
            ]
    return sorted(entries, key=lambda entry: entry.name)


# --- content-addressed reuse of a built package ------------------------------------------------

MANIFEST_SUFFIX = ".inputs.json"
"""Beside a package, `<package>.inputs.json` records the hash of the inputs it was built from."""


def inputs_digest(entries: list[PackageEntry]) -> str:
    """The hash of everything a package's bytes depend on: this module's code (the zip layout), and each
    entry's path in the package with the sha256 of its content (the recorded one when known, which
    spares reading 20 MB of dependencies; the function's own files are always hashed from their bytes)."""
    digest = hashlib.sha256()
    digest.update(hashlib.sha256(Path(__file__).read_bytes()).digest())
    for entry in entries:
        content = entry.recorded_sha256
        if content is None:
            raw = hashlib.sha256(entry.path.read_bytes()).digest()
            content = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
        digest.update(f"{entry.name}\0{content}\n".encode())
    return digest.hexdigest()


def _manifest(target: Path) -> Path:
    return target.with_name(target.name + MANIFEST_SUFFIX)


def _cached_digest(target: Path, inputs: str) -> str | None:
    """The package's recorded sha256 if `target` was built from exactly `inputs` and is unchanged since
    (same size and modification time as recorded); None otherwise."""
    try:
        recorded = json.loads(_manifest(target).read_text(encoding="utf-8"))
        stat = target.stat()
    except (OSError, ValueError):
        return None
    if not isinstance(recorded, dict):
        return None
    unchanged = recorded.get("size") == stat.st_size and recorded.get("mtime_ns") == stat.st_mtime_ns
    if recorded.get("inputs") != inputs or not unchanged or not isinstance(recorded.get("sha256"), str):
        return None
    return recorded["sha256"]


def build_function_app_zip(source_dir: Path | str, dest: Path | str) -> str:
    """Write a Python function app's package (`function_app_entries`) to `dest`, or reuse the one there
    when it was built from the same inputs; return the zip's base64 sha256 like `build_zip`.

    Content-addressed: the package is rebuilt only when the hash of its inputs (`inputs_digest`: the
    files' paths and contents, and this module) differs from the one recorded beside it, or the zip was
    touched since. Same inputs, same bytes either way, so reusing it changes nothing but the time.
    """
    source = Path(source_dir)
    target = Path(dest)
    entries = function_app_entries(source)
    inputs = inputs_digest(entries)
    cached = _cached_digest(target, inputs)
    if cached is not None:
        return cached
    digest, stat = _write_zip_stat([(e.name, e.path) for e in entries], target)
    _atomic_write(
        _manifest(target),
        json.dumps(
            {"inputs": inputs, "sha256": digest, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns},
            sort_keys=True,
        ).encode(),
    )
    return digest


def _write_zip(entries: list[tuple[str, Path]], target: Path) -> str:
    return _write_zip_stat(entries, target)[0]


def _write_zip_stat(entries: list[tuple[str, Path]], target: Path) -> tuple[str, os.stat_result]:
    """Write the zip to a private temporary file beside `target`, then move it into place; return its
    base64 sha256 and the file's stat. Concurrent builders (parallel tests, two plans) each write their
    own file, and a reader sees a whole zip, old or new, never half of one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, partial_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    partial = Path(partial_name)
    try:
        with (
            os.fdopen(handle, "wb") as raw,
            zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_STORED) as archive,
        ):
            for name, path in entries:
                info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
                info.create_system = UNIX
                info.external_attr = FILE_MODE << 16
                info.compress_type = zipfile.ZIP_STORED
                archive.writestr(info, path.read_bytes())
        partial.chmod(0o644)  # mkstemp makes it 0600; the package is not a secret
        digest = base64.b64encode(hashlib.sha256(partial.read_bytes()).digest()).decode("ascii")
        stat = partial.stat()
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return digest, stat


def _atomic_write(target: Path, data: bytes) -> None:
    handle, partial_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    with os.fdopen(handle, "wb") as raw:
        raw.write(data)
    Path(partial_name).chmod(0o644)
    Path(partial_name).replace(target)
