"""A git repository built in a test, with commits dated as the test says.

The rotation commands date every value from the history of a stack file, so their tests need a
history: this copies the project (or only its Pulumi files) into a scratch folder, `git init`s it
and commits with given author and committer dates.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ruamel.yaml.comments import CommentedMap

from offline.stackedit import SECRETS_KEY, StackFileEdit
from tests.conftest import ROOT


@dataclass
class Repo:
    path: Path

    def git(self, *args: str, when: datetime | None = None) -> str:
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "Ops",
            "GIT_AUTHOR_EMAIL": "ops@example.com",
            "GIT_COMMITTER_NAME": "Ops",
            "GIT_COMMITTER_EMAIL": "ops@example.com",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        if when is not None:
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when.isoformat()
        result = subprocess.run(
            ["git", *args], cwd=self.path, env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
        return result.stdout

    def commit(self, message: str, when: datetime) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, when=when)
        return self.git("rev-parse", "HEAD").strip()

    def stack_file(self, stack: str = "dev") -> Path:
        return self.path / f"Pulumi.{stack}.yaml"

    def edit_entry(self, name: str, change: Callable[[CommentedMap], None], stack: str = "dev") -> None:
        """Change one catalogue entry in place (round-trip, layout kept)."""
        edit = StackFileEdit(self.stack_file(stack))
        entry = next(e for e in edit.config[SECRETS_KEY] if e.get("name") == name)
        change(entry)
        self.stack_file(stack).write_text(edit.text(), encoding="utf-8")

    def bump(self, name: str, stack: str = "dev") -> None:
        edit = StackFileEdit(self.stack_file(stack))
        edit.bump_version(name)
        edit.write()


def make_repo(directory: Path, *, full: bool = False, first: datetime | None = None) -> Repo:
    """A repository holding the project's Pulumi files (`full`: every tracked file), committed once."""
    if full:
        listed = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        names = [n for n in listed.splitlines() if (ROOT / n).is_file()]
    else:
        names = ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"]
    for name in names:
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    repo = Repo(directory)
    repo.git("init", "-q", "-b", "main")
    if first is not None:
        repo.commit("the platform's first stack files", first)
    return repo
