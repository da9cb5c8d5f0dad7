"""The `diff` command: what a change does to a stack, as Markdown ready to post on a pull request.

    secrets-platform diff --stack dev --base origin/main [--out diff.md] [--reports DIR] [--no-check]
    secrets-platform diff --base-plan A.json --plan B.json [--base-violations A.json --violations B.json]

The first checks the working tree and the git ref, the program run once per side (`offline.diff.refs`);
`--reports DIR` keeps the working tree's check (violations.json, violations.sarif, plan.json). The
second compares what `plan --out` or `check --out` wrote (plan files hold no secret material, so
whether a config or file secret changed is then unknown).

Exit codes: 0 the diff was made, 1 a plan failed its own checks or a planner did not run, 2 the
stack config is wrong, 3 usage errors (a missing ref, a plan file of another format), 4 the change
introduces a mandatory violation.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from offline import exits
from offline.check.policy_config import Level
from offline.diff.compare import diff_plans
from offline.diff.guard import guard
from offline.diff.markdown import COMMENT_LIMIT, render_markdown
from offline.diff.model import Change, Diff, ViolationChange
from offline.diff.refs import DiffError, diff_against_ref
from offline.leaks import CANARY, LeakScanner
from offline.plan import MASK, Plan


def _read_json(path: str, what: str) -> dict[str, Any]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DiffError(f"{what} {path}: {exc}", exits.USAGE) from None
    if not isinstance(doc, dict):
        raise DiffError(f"{what} {path}: not a JSON object", exits.USAGE)
    return doc


def _read_plan(path: str) -> Plan:
    try:
        return Plan.from_json(_read_json(path, "plan"))
    except (KeyError, ValueError) as exc:
        raise DiffError(f"plan {path}: {exc}", exits.USAGE) from None


def run_diff(args: argparse.Namespace, project_dir: Path) -> str:
    """The Markdown for the `diff` subcommand's arguments; raises `DiffError`."""
    diff, forbidden = compute_diff(args, project_dir)
    return guard(render_markdown(diff, limit=getattr(args, "max_chars", COMMENT_LIMIT)), forbidden)


def compute_diff(args: argparse.Namespace, project_dir: Path) -> tuple[Diff, list[str]]:
    """The diff the arguments ask for, and the secret strings no output may show; raises `DiffError`."""
    forbidden: list[str] = []
    if args.base:
        if args.base_plan or args.plan or args.base_violations or args.violations:
            raise DiffError(
                "--base plans both sides itself: drop --base-plan, --plan and --*violations", exits.USAGE
            )
        reports = getattr(args, "reports", None)
        if reports and args.no_check:
            raise DiffError("--reports keeps the working tree's check: drop --no-check", exits.USAGE)
        diff, forbidden = diff_against_ref(
            project_dir,
            args.stack,
            args.base,
            check=not args.no_check,
            reports=Path(reports) if reports else None,
        )
    else:
        if getattr(args, "reports", None):
            raise DiffError("--reports goes with --base (plan files were checked already)", exits.USAGE)
        if not (args.base_plan and args.plan):
            raise DiffError("give --base <git ref>, or both --base-plan and --plan", exits.USAGE)
        if bool(args.base_violations) != bool(args.violations):
            raise DiffError("give both --base-violations and --violations, or neither", exits.USAGE)
        diff = diff_plans(
            _read_plan(args.base_plan),
            _read_plan(args.plan),
            base_violations=_read_json(args.base_violations, "violations") if args.base_violations else None,
            head_violations=_read_json(args.violations, "violations") if args.violations else None,
            base_label=Path(args.base_plan).name,
            head_label=Path(args.plan).name,
        )
    return diff, forbidden


def diff_json(diff: Diff, forbidden: list[str]) -> dict[str, Any]:
    """The diff as data (camelCase keys), every string that holds secret material masked."""
    scanner = LeakScanner(forbidden)

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {_camel(str(k)): clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        if isinstance(value, str):
            masked = CANARY.sub(MASK, value)
            return MASK if scanner.found_in(masked) else masked
        return value

    return clean(dataclasses.asdict(diff))


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def introduced_mandatory(diff: Diff) -> list[ViolationChange]:
    """Mandatory violations the change brings: the diff's verdict, like `check`'s."""
    return [v for v in diff.violations or [] if v.change == Change.INTRODUCED and v.level == Level.MANDATORY]


def cmd_diff(args: argparse.Namespace, project_dir: Path) -> int:
    """The `diff` subcommand (registered in offline/cli.py): Markdown (or `--json`) on stdout; exit 4
    when the change introduces a mandatory violation."""
    try:
        diff, forbidden = compute_diff(args, project_dir)
    except DiffError as exc:
        print(f"error: {guard(str(exc))}", file=sys.stderr)
        return exc.code
    text = guard(render_markdown(diff, limit=getattr(args, "max_chars", COMMENT_LIMIT)), forbidden)
    if getattr(args, "json", False):
        body = {**diff_json(diff, forbidden), "markdown": text}
        sys.stdout.write(
            json.dumps({"format": "secrets-platform/diff", "version": 1, **body}, indent=1) + "\n"
        )
    elif args.out != "-":
        sys.stdout.write(text)
    if args.out:
        if args.out == "-":
            sys.stdout.write(text)
        elif not Path(args.out).parent.is_dir():
            print(
                f"error: --out {args.out}: the folder {Path(args.out).parent} does not exist", file=sys.stderr
            )
            return exits.BAD_INPUT
        else:
            Path(args.out).write_text(text, encoding="utf-8")
            print(f"Diff written to {args.out}", file=sys.stderr)
    return exits.VIOLATIONS if introduced_mandatory(diff) else exits.OK
