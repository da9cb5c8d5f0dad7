"""`secrets-platform`: the offline commands. None needs credentials or decrypts a secret.

    secrets-platform plan --stack dev [--out plan.json]
    secrets-platform check --stack prod [--out DIR] [--policy-config FILE]
    secrets-platform access --stack dev [--format markdown|json]
    secrets-platform diff --stack dev --base origin/main [--out diff.md]
    secrets-platform diff --base-plan A.json --plan B.json [--base-violations A --violations B]
    secrets-platform schema [--check]

Exit codes: 0 fine, 1 the plan failed its own checks (a leak, a dropped input), 2 the stack config
is wrong (every problem listed, nothing declared), 3 usage errors, 4 `check` found a mandatory
policy violation.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import pulumi

from offline.plan import EXIT_CONFIG, EXIT_PLAN, Plan, PlanError, Progress, make_plan, render_tree


def _project_dir(value: str | None) -> Path:
    return Path(value or os.environ.get("SECRETS_PLATFORM_PROJECT") or Path.cwd()).resolve()


def _plan(args: argparse.Namespace) -> Plan | None:
    """The stack's plan, or `None` once the reason it cannot be trusted is on stderr."""
    try:
        return make_plan(_project_dir(args.project_dir), args.stack, Progress(sys.stderr, args.stack))
    except PlanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def cmd_plan(args: argparse.Namespace) -> int:
    plan = _plan(args)
    if plan is None:
        return EXIT_PLAN
    render_tree(plan, sys.stdout)
    if args.out:
        Path(args.out).write_text(
            json.dumps(plan.to_json(), indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        print(f"Plan written to {args.out}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from offline.check import cmd_check as run

    return run(args, _project_dir(args.project_dir))


def cmd_access(args: argparse.Namespace) -> int:
    from offline.access import access_report, render_json, render_markdown

    plan = _plan(args)
    if plan is None:
        return EXIT_PLAN
    rows = access_report(plan)
    print(render_json(rows) if args.format == "json" else render_markdown(rows))
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from offline.diff import cmd_diff as run

    return run(args, _project_dir(args.project_dir))


def cmd_schema(args: argparse.Namespace) -> int:
    from config.schema import project_config_block, render_reference

    if args.check:
        from config.schema import check_project_file

        problems = check_project_file(_project_dir(args.project_dir) / "Pulumi.yaml")
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    if args.format == "markdown":
        print(render_reference())
    else:
        print(json.dumps(project_config_block(), indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="secrets-platform", description=__doc__.split("\n")[0])
    parser.add_argument("--project-dir", help="the Pulumi project directory (default: current directory)")
    sub = parser.add_subparsers(dest="command", required=True)

    plan = sub.add_parser("plan", help="offline preview of a stack: resources, options, secret inputs")
    plan.add_argument("--stack", default="dev", help="stack name (reads Pulumi.<stack>.yaml)")
    plan.add_argument("--out", help="write the plan as JSON (format secrets-platform/plan v1)")
    plan.set_defaults(func=cmd_plan)

    check = sub.add_parser("check", help="the policy pack over the offline plan, as `pulumi preview` runs it")
    check.add_argument("--stack", default="dev", help="stack name (reads Pulumi.<stack>.yaml)")
    check.add_argument("--out", help="directory for violations.json and violations.sarif")
    check.add_argument("--policy-config", help="policy pack config (default: policies/config/<stack>.json)")
    check.set_defaults(func=cmd_check)

    access = sub.add_parser("access", help="who can read which secret, from the plan's RBAC and apps")
    access.add_argument("--stack", default="dev", help="stack name (reads Pulumi.<stack>.yaml)")
    access.add_argument("--format", choices=["markdown", "json"], default="markdown")
    access.set_defaults(func=cmd_access)

    diff = sub.add_parser("diff", help="what a change does to a stack, as Markdown for its pull request")
    diff.add_argument("--stack", default="dev", help="stack name (reads Pulumi.<stack>.yaml)")
    diff.add_argument("--base", help="git ref to compare the working tree with (plans and checks both)")
    diff.add_argument("--no-check", action="store_true", help="with --base: skip the policy check")
    diff.add_argument("--base-plan", help="the base side's plan JSON (from `plan --out`)")
    diff.add_argument("--plan", help="the changed side's plan JSON")
    diff.add_argument("--base-violations", help="the base side's violations.json (from `check --out`)")
    diff.add_argument("--violations", help="the changed side's violations.json")
    diff.add_argument("--out", help="also write the Markdown to this file")
    diff.add_argument(
        "--max-chars", type=int, default=60_000, help="longest Markdown to print (GitHub comments: 65,536)"
    )
    diff.set_defaults(func=cmd_diff)

    schema = sub.add_parser("schema", help="the config reference generated from the models")
    schema.add_argument("--format", choices=["markdown", "pulumi-yaml"], default="markdown")
    schema.add_argument("--check", action="store_true", help="fail if Pulumi.yaml's config block is stale")
    schema.set_defaults(func=cmd_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except pulumi.RunError as exc:  # ConfigError and friends: the user's mistake, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG


if __name__ == "__main__":
    sys.exit(main())
