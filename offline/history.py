"""When each catalogue entry's current version began, from the git history of its stack file.

A platform-held secret (literal, file, generated, and a Vault value the platform writes) changes value
exactly when its `version` changes: the Kubernetes Secret `<name>-v<version>` is new, and so is the
value in it. The history of `Pulumi.<stack>.yaml` therefore dates every rotation: the commit that
last changed an entry's `version`, or the commit where the entry first appeared.

The branch's first-parent history is read (`git log --first-parent`): on a branch that deploys on
every merge, the merge commit's date is when the change reached the branch, which is when
`pulumi up` made it live; the committer date is used for the same reason. An edit that is not
committed yet is reported as such: it has not been deployed.

One `git log` and one `git cat-file --batch` per stack, whatever the length of the history.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from config.models import PROJECT

_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class HistoryError(Exception):
    """git could not be asked (not a repository, no git); the message says which."""


@dataclass(frozen=True)
class VersionStart:
    """Where an entry's current version came from."""

    version: int
    since: datetime | None
    """Committer date (UTC) of the commit that started this version; None when not committed."""
    commit: str | None
    """That commit's SHA."""
    subject: str = ""
    """That commit's subject line (the rotation's "why", as its author wrote it)."""

    @property
    def committed(self) -> bool:
        return self.commit is not None


def _git(cwd: Path, *args: str, stdin: str | None = None) -> str:
    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, input=stdin, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise HistoryError(
            "git is not installed: the rotation dates come from the stack file's history"
        ) from None
    if result.returncode != 0:
        raise HistoryError(
            f"git {args[0]}: {result.stderr.strip().splitlines()[-1] if result.stderr.strip() else 'failed'}"
        )
    return result.stdout


def _versions(text: str) -> dict[str, int]:
    """Entry name -> version in one revision of a stack file (1 when unset, as the model's default).

    Tolerant: an old revision may not validate today; whatever cannot be read counts as no entries.
    """
    try:
        doc = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError:
        return {}
    config = doc.get("config") if isinstance(doc, dict) else None
    if not isinstance(config, dict):
        return {}
    secrets: Any = config.get(f"{PROJECT}:secrets", config.get("secrets"))
    out: dict[str, int] = {}
    for entry in secrets if isinstance(secrets, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            version = entry.get("version", 1)
            out[entry["name"]] = version if isinstance(version, int) and not isinstance(version, bool) else 1
    return out


def _read_blobs(top: Path, specs: list[str]) -> list[str | None]:
    """The content of each `<commit>:<path>` (None where missing), through one `git cat-file --batch`."""
    if not specs:
        return []
    proc = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=top,
        input=("\n".join(specs) + "\n").encode(),
        capture_output=True,
        check=False,
    )
    data = proc.stdout
    out: list[str | None] = []
    at = 0
    for _ in specs:
        end = data.index(b"\n", at)
        header = data[at:end].decode(errors="replace").split()
        at = end + 1
        if len(header) < 3 or header[1] != "blob":  # `<spec> missing`
            out.append(None)
            continue
        size = int(header[2])
        out.append(data[at : at + size].decode("utf-8", errors="replace"))
        at += size + 1  # the blob is followed by a newline
    return out


def version_starts(stack_file: Path, current: dict[str, int]) -> dict[str, VersionStart]:
    """For each entry of `current` (name -> version in the working tree), when that version began.

    Raises `HistoryError` when the stack file is not in a git repository.
    """
    directory = stack_file.parent
    top = Path(_git(directory, "rev-parse", "--show-toplevel").strip())
    relative = stack_file.resolve().relative_to(top.resolve()).as_posix()
    has_head = (
        subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", "HEAD"], cwd=top, capture_output=True, check=False
        ).returncode
        == 0
    )
    log = (
        _git(top, "log", "--first-parent", "--format=%H%x1f%cI%x1f%s", "HEAD", "--", relative)
        if has_head
        else ""
    )
    commits = [line.split("\x1f", 2) for line in log.splitlines() if line.strip()]
    commits.reverse()  # oldest first
    blobs = _read_blobs(top, [f"{sha}:{relative}" for sha, _, _ in commits])

    starts: dict[str, VersionStart] = {}
    previous: dict[str, int] = {}
    for (sha, date, subject), text in zip(commits, blobs, strict=True):
        versions = _versions(text) if text is not None else {}
        when = datetime.fromisoformat(date).astimezone(UTC)
        for name, version in versions.items():
            if previous.get(name) != version:
                starts[name] = VersionStart(version, when, sha, subject)
        previous = versions
    head = previous
    result: dict[str, VersionStart] = {}
    for name, version in current.items():
        start = starts.get(name)
        if start is not None and head.get(name) == version:
            result[name] = start
        else:  # a new entry or a new version in the working tree: not deployed from the branch yet
            result[name] = VersionStart(version, None, None)
    return result


def file_changed_since(project_dir: Path, path: str) -> datetime | None:
    """Committer date of the last commit that changed a file (a `file` source's content), or None."""
    try:
        out = _git(project_dir, "log", "-1", "--format=%cI", "--", path).strip()
    except HistoryError:
        return None
    return datetime.fromisoformat(out).astimezone(UTC) if out else None
