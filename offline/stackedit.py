"""Edit a stack file the way a careful person would: only the lines that must change.

`ruamel.yaml`'s round-trip mode keeps comments, key order, flow style and quoting (the shipped
`Pulumi.dev.yaml` and `Pulumi.prod.yaml` come back byte for byte: tested). Every edit is then
checked twice before anything is written: the new text parses to exactly the old document plus the
intended changes, and the lines that differ are only those the edit meant to touch. Anything else
refuses the edit with one line, and the file stays as it was.

Nothing here sees a secret value: `secure:` values arrive as ciphertexts made by the caller.
"""

from __future__ import annotations

import copy
import difflib
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from config.models import PROJECT

SECRETS_KEY = f"{PROJECT}:secrets"


class EditError(Exception):
    """The edit cannot be made as asked, or would change more than intended; nothing was written."""


def _yaml() -> YAML:
    y = YAML()  # round-trip
    y.preserve_quotes = True
    y.width = 1 << 20  # never fold a long line (ciphertexts, ARNs)
    # The layout the project's stack files use (and `pulumi config set` writes): maps indented by 2,
    # list items by 4 with the dash at 2.
    y.indent(mapping=2, sequence=4, offset=2)
    return y


class StackFileEdit:
    """A stack file loaded for editing; `write()` checks and saves it atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.original = path.read_text(encoding="utf-8")
        self.doc: CommentedMap = _yaml().load(self.original)
        if not isinstance(self.doc, CommentedMap):
            raise EditError(f"{path.name} is not a YAML map")
        self._expected = yaml.safe_load(self.original) or {}
        self._allowed_lines = 0

    # --- edits --------------------------------------------------------------------------------

    @property
    def config(self) -> CommentedMap:
        config = self.doc.get("config")
        if config is None:
            config = CommentedMap()
            self.doc["config"] = config
        if not isinstance(config, CommentedMap):
            raise EditError(f"{self.path.name}: config: is not a map")
        return config

    def _secrets(self) -> CommentedSeq:
        secrets = self.config.get(SECRETS_KEY)
        if not isinstance(secrets, CommentedSeq):
            raise EditError(f"{self.path.name}: {SECRETS_KEY} is not a list written as a YAML block")
        return secrets

    def _entry(self, name: str) -> CommentedMap:
        for item in self._secrets():
            if isinstance(item, CommentedMap) and item.get("name") == name:
                return item
        raise EditError(f"{self.path.name}: {SECRETS_KEY} has no entry named {name!r}")

    def bump_version(self, name: str, comment: str | None = None) -> int:
        """Add 1 to the entry's `version` (1 when absent, as the model's default); returns the new one.

        `comment` is written at the end of the `version:` line (the rotation's reason), replacing any
        comment that line had.
        """
        entry = self._entry(name)
        current = entry.get("version", 1)
        if not isinstance(current, int) or isinstance(current, bool):
            raise EditError(f"{self.path.name}: {SECRETS_KEY}[{name}].version is not a whole number")
        new = current + 1
        if "version" in entry:
            entry["version"] = new
        else:
            # Before `rotationDays` when there is one (the two read together), else at the end.
            keys = list(entry.keys())
            at = keys.index("rotationDays") if "rotationDays" in keys else len(keys)
            if at == len(keys):
                # A comment after the last key belongs to it in ruamel; appending would move it.
                at = max(len(keys) - 1, 0) if _has_trailing_comment(entry, keys[-1]) else at
            entry.insert(at, "version", new)
        if comment:
            entry.yaml_add_eol_comment(f"# {_one_line(comment)}", "version")
        elif "version" in entry.ca.items:  # an old reason must not stay beside a new version
            entry.ca.items.pop("version", None)
        self._expect(lambda doc: _expected_entry(doc, name).__setitem__("version", new))
        self._allowed_lines += 1
        return new

    def set_secure(self, key: str, ciphertext: str) -> None:
        """Set `secrets-platform:<key>` to `{secure: <ciphertext>}` (replacing or appending it)."""
        full = key if ":" in key else f"{PROJECT}:{key}"
        config = self.config
        existing = config.get(full)
        if isinstance(existing, CommentedMap) and set(existing) == {"secure"}:
            existing["secure"] = ciphertext
            self._allowed_lines += 1
        elif existing is None:
            config[full] = CommentedMap([("secure", ciphertext)])
            self._allowed_lines += 2
        else:
            raise EditError(
                f"{self.path.name}: {full} holds a plain value, not a secret; refusing to replace it"
            )
        self._expect(lambda doc: doc.setdefault("config", {}).__setitem__(full, {"secure": ciphertext}))

    def add_entry(self, entry: dict[str, Any]) -> None:
        """Append a catalogue entry (plain data: names, sources, config key names; never a value)."""
        secrets = self.config.get(SECRETS_KEY)
        if secrets is None:
            secrets = CommentedSeq()
            self.config[SECRETS_KEY] = secrets
            self._allowed_lines += 1
        elif not isinstance(secrets, CommentedSeq):
            raise EditError(f"{self.path.name}: {SECRETS_KEY} is not a list written as a YAML block")
        if any(isinstance(e, CommentedMap) and e.get("name") == entry["name"] for e in secrets):
            raise EditError(f"{self.path.name}: {SECRETS_KEY} already has an entry named {entry['name']!r}")
        item = CommentedMap()
        for k, v in entry.items():
            if isinstance(v, dict):
                flow = CommentedMap(v)
                flow.fa.set_flow_style()
                item[k] = flow
            elif isinstance(v, list):
                flow_list = CommentedSeq(v)
                flow_list.fa.set_flow_style()
                item[k] = flow_list
            else:
                item[k] = v
        secrets.append(item)
        self._allowed_lines += len(entry)
        self._expect(
            lambda doc: doc.setdefault("config", {}).setdefault(SECRETS_KEY, []).append(copy.deepcopy(entry))
        )

    # --- checking and writing --------------------------------------------------------------------

    def _expect(self, change: Callable[[dict[str, Any]], None]) -> None:
        change(self._expected)

    def text(self) -> str:
        out = io.StringIO()
        _yaml().dump(self.doc, out)
        return out.getvalue()

    def diff(self) -> list[str]:
        """The unified diff of the edit (lines as in the file)."""
        return list(
            difflib.unified_diff(
                self.original.splitlines(),
                self.text().splitlines(),
                f"a/{self.path.name}",
                f"b/{self.path.name}",
                lineterm="",
                n=2,
            )
        )

    def check(self) -> str:
        """The new text, once proven to change exactly what was asked; raises `EditError` otherwise."""
        new = self.text()
        if yaml.safe_load(new) != self._expected:
            raise EditError(f"editing {self.path.name} would change more than intended; nothing written")
        changed = sum(
            1 for line in difflib.ndiff(self.original.splitlines(), new.splitlines()) if line.startswith("+ ")
        )
        if changed > self._allowed_lines:
            raise EditError(
                f"editing {self.path.name} would rewrite {changed} lines where {self._allowed_lines} "
                "were meant; nothing written (is the file's layout unusual? edit it by hand)"
            )
        return new

    def write(self) -> None:
        new = self.check()
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
                out.write(new)
            os.chmod(tmp, self.path.stat().st_mode & 0o7777)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _expected_entry(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(e for e in doc["config"][SECRETS_KEY] if isinstance(e, dict) and e.get("name") == name)


def _has_trailing_comment(entry: CommentedMap, key: str) -> bool:
    tokens = entry.ca.items.get(key)
    return bool(tokens and any(t is not None for t in tokens))


def _one_line(text: str) -> str:
    return " ".join(text.split())
