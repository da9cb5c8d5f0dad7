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
import zipfile
from pathlib import Path

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
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), date_time=ZIP_EPOCH)
            info.create_system = UNIX
            info.external_attr = FILE_MODE << 16
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, path.read_bytes())
    # Replace atomically: a concurrent reader sees the old zip or the new one, never half of one.
    partial.replace(target)
    return base64.b64encode(hashlib.sha256(target.read_bytes()).digest()).decode("ascii")
