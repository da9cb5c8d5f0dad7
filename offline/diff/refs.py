"""`--base` mode: check the working tree and a git ref, each side's program run once.

The ref's tree is extracted with `git archive` (no git state changes). Each side runs
`python -m offline.cli --project-dir <tree> check --stack S --out DIR` in its own process with the
same interpreter: the ref's code checks the ref, module state never mixes, and the check writes the
side's plan beside its violations (`plan.json`), so the program runs once per side. With `--no-check`
a side only plans (`plan --out`). Both sides run at once (one per core).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from offline import exits
from offline.check.reports import PLAN_FILE, REPORT_FORMAT, VIOLATIONS_FILE
from offline.diff.compare import diff_plans
from offline.diff.guard import guard
from offline.diff.model import Diff
from offline.diff.provenance import Provenance, project_name
from offline.plan import Plan


class DiffError(Exception):
    """The diff could not be made; `code` is the exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DiffError(f"git {' '.join(args)}: {result.stderr.strip() or 'failed'}", exits.USAGE)
    return result.stdout.strip()


def extract_ref(project_dir: Path, ref: str, into: Path) -> tuple[Path, str]:
    """The project as it is at `ref` (`git archive`, no git state changed); returns its dir and SHA."""
    top = Path(_git(project_dir, "rev-parse", "--show-toplevel"))
    prefix = _git(project_dir, "rev-parse", "--show-prefix")
    try:
        sha = _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except DiffError:
        raise DiffError(
            f"{ref!r} is not a commit of this repository (fetch it first, e.g. `git fetch origin main`)",
            exits.USAGE,
        ) from None
    with subprocess.Popen(
        ["git", "archive", "--format=tar", sha], cwd=top, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        if proc.stdout is None:
            raise DiffError("git archive gave no output to read", exits.USAGE)
        with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
            archive.extractall(into, filter="data")
    if proc.returncode != 0:
        raise DiffError(f"git archive {ref} failed", exits.USAGE)
    return into / prefix, sha


def _run_offline(project_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m offline.cli --project-dir <dir> ...` in a fresh process, importing that tree's code."""
    env = {**os.environ, "PYTHONPATH": str(project_dir)}
    env.pop("SECRETS_PLATFORM_PROJECT", None)
    return subprocess.run(
        [sys.executable, "-m", "offline.cli", "--project-dir", str(project_dir), *args],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def check_tree(
    project_dir: Path, stack: str, out: Path, check: bool, label: str
) -> tuple[Plan, dict[str, Any] | None]:
    """Check (or only plan) one tree in its own process; an absent stack file is an empty stack."""
    if not (project_dir / f"Pulumi.{stack}.yaml").is_file():
        empty = {"format": REPORT_FORMAT, "violations": []}
        return Plan(project_name(project_dir), stack, "", []), empty if check else None
    out.mkdir(parents=True, exist_ok=True)
    plan_file = out / PLAN_FILE
    if check:
        ran = _run_offline(project_dir, "check", "--stack", stack, "--out", str(out))
    else:
        ran = _run_offline(project_dir, "plan", "--stack", stack, "--out", str(plan_file))
    # `check` exits 4 on a mandatory violation and still writes everything: that is a result, not a failure.
    finished = ran.returncode in ((exits.OK, exits.VIOLATIONS) if check else (exits.OK,))
    if finished and check and not plan_file.is_file():
        # A tree whose `check --out` predates plan.json (an older base branch): plan it as well.
        ran = _run_offline(project_dir, "plan", "--stack", stack, "--out", str(plan_file))
        finished = ran.returncode == exits.OK
    if not finished or not plan_file.is_file():
        message = guard(ran.stderr.strip() or ran.stdout.strip())[-3000:]
        code = exits.BAD_INPUT if ran.returncode == exits.BAD_INPUT else exits.PLAN_FAILED
        what = "policy check" if check else "plan"
        raise DiffError(f"the {what} of {label} failed:\n{message}", code)
    plan = Plan.from_json(json.loads(plan_file.read_text(encoding="utf-8")))
    violations = json.loads((out / VIOLATIONS_FILE).read_text(encoding="utf-8")) if check else None
    return plan, violations


def diff_against_ref(
    project_dir: Path, stack: str, ref: str, *, check: bool = True, reports: Path | None = None
) -> tuple[Diff, list[str]]:
    """Check the working tree and `ref` and compare them; returns the diff and the output guard's list.

    `reports`: where the working tree's side writes its check (violations.json, violations.sarif,
    plan.json), for the pull-request workflow to upload; a temporary directory otherwise.
    """
    with tempfile.TemporaryDirectory(prefix="secrets-platform-diff-") as tmp:
        work = Path(tmp)
        base_dir, sha = extract_ref(project_dir, ref, work / "base")
        base_label = f"{ref} ({sha[:12]})"
        with ThreadPoolExecutor(max_workers=2) as pool:
            base = pool.submit(check_tree, base_dir, stack, work / "out-base", check, base_label)
            head = pool.submit(
                check_tree, project_dir, stack, reports or work / "out-head", check, "the working tree"
            )
            base_plan, base_violations = base.result()
            head_plan, head_violations = head.result()
        provenance = Provenance(base_dir, project_dir, stack)
        diff = diff_plans(
            base_plan,
            head_plan,
            provenance=provenance,
            base_violations=base_violations,
            head_violations=head_violations,
            base_label=base_label,
            head_label="working tree",
        )
        return diff, provenance.forbidden()
