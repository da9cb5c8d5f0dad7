"""Files mounted from Kubernetes Secrets, re-read when the kubelet swaps them.

The kubelet updates a Secret volume by pointing the `..data` symlink at a new directory, so the
resolved file changes inode: a `stat` per read (about a microsecond) notices it without a timer.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


class MountedFileError(Exception):
    """A mounted file is missing, unreadable or empty (the message names the path, never content)."""


def read_secret_file(path: Path) -> bytes:
    """Content of a secret file without the trailing newline an editor or `echo` leaves."""
    try:
        content = path.read_bytes()
    except OSError as error:
        raise MountedFileError(f"{path}: cannot be read ({error.strerror or type(error).__name__})") from None
    content = content.rstrip(b"\r\n")
    if not content:
        raise MountedFileError(f"{path}: is empty")
    return content


class MountedFile:
    """The current content of a file, re-read only when its identity (inode, size, mtime) changes.

    `generation` grows by one on each new content, so a consumer (the sealed cache) can tell that
    what it derived from the old content is void. A file that disappears or turns invalid keeps the
    last good content: a half-written update never takes the service down.
    """

    def __init__(self, path: Path, validate: Callable[[bytes], None] | None = None) -> None:
        self.path = path
        self._validate = validate
        self._identity: tuple[int, int, int, int] | None = None
        self._content = b""
        self.generation = 0
        self.refresh(strict=True)

    def _stat(self) -> tuple[int, int, int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    def refresh(self, *, strict: bool = False) -> bool:
        """Re-read the file if it changed; True when the content is new. `strict` raises on errors."""
        identity = self._stat()
        if identity is not None and identity == self._identity:
            return False
        try:
            content = read_secret_file(self.path)
            if self._validate is not None:
                self._validate(content)
        except (MountedFileError, ValueError):
            if strict:
                raise
            return False
        self._identity = identity
        if content == self._content:
            return False
        self._content = content
        self.generation += 1
        return True

    @property
    def content(self) -> bytes:
        """The current content (checks the file first)."""
        self.refresh()
        return self._content
