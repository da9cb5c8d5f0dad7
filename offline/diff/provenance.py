"""Provenance for `--base` mode: both sides' stack files and project files, compared in memory.

How a secret change is known without any secret. The offline engine never holds a secret value:
the plan's secret inputs are placeholders, and the plan records only where each one comes from
(`secretSources`: a config key path, a file path, a generating resource's URN; see `offline.plan`).
For a config key, the `secure:` ciphertext of that key in each side's stack file is compared: a
ciphertext is not a secret, but it is compared here and dropped (never printed, written or hashed).
A new ciphertext means the value was set again (Pulumi re-encrypts even an equal value with a fresh
nonce); a changed `encryptionsalt`/`encryptedkey` re-encrypts everything, so values are then
unknown. A file's two contents are compared in memory.
"""

from __future__ import annotations

import filecmp
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from offline.diff.model import Cause, Verdict

Finding = tuple[Verdict, Cause, str]
"""A verdict, its cause, and the reason in words (names and paths only)."""


class Provenance:
    """Both sides' stack files and project files, compared in memory for `--base` mode.

    Only verdicts leave this object (changed or not, and why, by key name or path); the
    ciphertexts and file contents it reads stay in it, and `forbidden()` hands them to the output
    guard only.
    """

    def __init__(self, base_dir: Path, head_dir: Path, stack: str) -> None:
        self.base_dir, self.head_dir, self.stack = base_dir, head_dir, stack
        self._docs = {
            side: _stack_doc(path, stack) for side, path in (("base", base_dir), ("head", head_dir))
        }
        self._projects = {side: project_name(path) for side, path in (("base", base_dir), ("head", head_dir))}
        self._verdicts: dict[tuple[str, str], Finding] = {}
        """(kind, key or path) -> verdict: `diff_plans` asks twice (two passes), files feed many leaves."""

    @property
    def rekeyed(self) -> bool:
        """The stack's secrets provider or its key changed: every ciphertext differs."""
        keys = ("secretsprovider", "encryptionsalt", "encryptedkey")
        return any(self._docs["base"].get(k) != self._docs["head"].get(k) for k in keys)

    def config(self, key: str) -> Finding:
        """Did the `secure:` value at a config key path change? Only the verdict is returned."""
        if ("config", key) not in self._verdicts:
            self._verdicts[("config", key)] = self._config(key)
        return self._verdicts[("config", key)]

    def _config(self, key: str) -> Finding:
        base = _secure_at(self._docs["base"], self._projects["base"], key)
        head = _secure_at(self._docs["head"], self._projects["head"], key)
        if base is None or head is None:
            side = "base" if base is None else "head"
            return (
                Verdict.UNKNOWN,
                Cause.NO_SECURE_VALUE,
                f"`{key}` holds no `secure:` value on the {side} side",
            )
        if base == head:
            return Verdict.UNCHANGED, Cause.SAME_CIPHERTEXT, f"same ciphertext of `{key}`"
        if self.rekeyed:
            return (
                Verdict.UNKNOWN,
                Cause.REKEYED,
                f"`{key}` was re-encrypted: the stack's secrets provider or key changed",
            )
        return (
            Verdict.CHANGED,
            Cause.NEW_CIPHERTEXT,
            f"`{key}` has a new ciphertext (its value was set again)",
        )

    def file(self, path: str) -> Finding:
        """Did a file that a secret is read from change? Compared in memory, bytes to bytes."""
        if ("file", path) not in self._verdicts:
            self._verdicts[("file", path)] = self._file(path)
        return self._verdicts[("file", path)]

    def _file(self, path: str) -> Finding:
        base, head = (self.base_dir / path).resolve(), (self.head_dir / path).resolve()
        if not (
            base.is_relative_to(self.base_dir.resolve()) and head.is_relative_to(self.head_dir.resolve())
        ):
            return Verdict.UNKNOWN, Cause.FILE, f"`{path}` is outside the project"
        try:
            same = base.read_bytes() == head.read_bytes()
        except OSError:
            return Verdict.UNKNOWN, Cause.FILE, f"`{path}` is missing on one side"
        if same:
            return Verdict.UNCHANGED, Cause.FILE, f"`{path}` is unchanged"
        return Verdict.CHANGED, Cause.FILE, f"`{path}` changed"

    def same_file(self, base_path: str, head_path: str) -> bool | None:
        """Whether a file the base plan names (an asset, an archive) has the head's bytes."""
        try:
            base, head = Path(base_path).resolve(), Path(head_path).resolve()
            if not (
                base.is_relative_to(self.base_dir.resolve()) and head.is_relative_to(self.head_dir.resolve())
            ):
                return None
            return filecmp.cmp(base, head, shallow=False)
        except OSError:
            return None

    def forbidden(self) -> list[str]:
        """Every ciphertext and key envelope read, for the output guard only."""
        found: list[str] = []
        for doc in self._docs.values():
            found += list(_secure_values(doc.get("config")))
            found += [str(doc[k]) for k in ("encryptionsalt", "encryptedkey") if doc.get(k)]
        return found


def _stack_doc(project_dir: Path, stack: str) -> dict[str, Any]:
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        return {}
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return doc if isinstance(doc, dict) else {}


def project_name(project_dir: Path) -> str:
    path = project_dir / "Pulumi.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    return str(doc.get("name", "")) if isinstance(doc, dict) else ""


def _secure_values(value: Any) -> Iterator[str]:
    """Every `secure:` string in a config tree."""
    if isinstance(value, dict):
        if set(value) == {"secure"} and isinstance(value["secure"], str):
            yield value["secure"]
            return
        for v in value.values():
            yield from _secure_values(v)
    elif isinstance(value, list):
        for v in value:
            yield from _secure_values(v)


def _secure_at(doc: dict[str, Any], project: str, key_path: str) -> str | None:
    """The `secure:` string at a placeholder's key path (`ns:key`, then `.k` / `[i]` steps)."""
    for raw, value in (doc.get("config") or {}).items():
        full = str(raw) if ":" in str(raw) else f"{project}:{raw}"
        if key_path == full or key_path.startswith((full + ".", full + "[")):
            node = _walk(value, key_path[len(full) :])
            if isinstance(node, dict) and set(node) == {"secure"} and isinstance(node["secure"], str):
                return node["secure"]
            return None
    return None


def _walk(node: Any, rest: str) -> Any:
    if not rest:
        return node
    if rest.startswith("[") and isinstance(node, list):
        end = rest.index("]")
        index = int(rest[1:end])
        return _walk(node[index], rest[end + 1 :]) if index < len(node) else None
    if rest.startswith(".") and isinstance(node, dict):
        # Keys may hold dots (`tls.crt`): try the longest key that fits.
        for key in sorted((str(k) for k in node), key=len, reverse=True):
            tail = rest[1 + len(key) :]
            if rest[1:].startswith(key) and (not tail or tail[0] in ".["):
                return _walk(node[key], tail)
    return None
