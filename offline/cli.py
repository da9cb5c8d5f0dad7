"""`secrets-platform`: the offline commands. None needs credentials or decrypts a secret.

    secrets-platform plan   [-s STACK] [--out FILE|-] [--json] [--urns]
    secrets-platform check  [-s STACK] [--out DIR] [--policy-config FILE] [--json] [--pack-process]
    secrets-platform access [-s STACK] [--format markdown|json|mermaid|svg] [--secret NAME] [--json]
    secrets-platform diff   [-s STACK] --base REF [--out FILE|-] [--reports DIR] [--json]
    secrets-platform diff   --base-plan A.json --plan B.json [--base-violations A --violations B]
    secrets-platform schema [--check] [--format markdown|pulumi-yaml|json]
    secrets-platform rotation [-s STACK] [--within DAYS] [--as-of DATE] [--stores] [--json]
    secrets-platform rotate   [-s STACK] NAME [--reason TEXT] [--value-from KEY=-|@PATH] [--now]
    secrets-platform revoke   [-s STACK] [NAME...] [--apply] [--grace-days N] [--json]
    secrets-platform import   [-s STACK] --from-kubectl FILE|- | --from-secrets-manager NAME | --from-key-vault NAME
    secrets-platform report   [-s STACK] --out DIR [--stores]

Like the Pulumi CLI: the project is the nearest `Pulumi.yaml` at or above the working directory
(or `-C DIR`), the stack is `-s/--stack`, else `PULUMI_STACK`, else the stack `pulumi stack select`
chose; every option goes after the subcommand. Exit codes are in `offline/exits.py`: 0 fine,
1 the plan failed its own checks (a leak, a dropped input), 2 bad input (stack config, files),
3 a secret is overdue for rotation, 4 a mandatory policy violation, 5 an internal error, 64 a wrong command line.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import pulumi
import yaml

from offline import exits
from offline.leaks import CANARY
from offline.plan import MASK, Plan, PlanError, Progress, make_plan, render_tree

PROJECT_FILE = "Pulumi.yaml"


class UsageError(Exception):
    """The command line cannot be carried out as given (exit 64)."""


class InputError(Exception):
    """A file the command was told to read or write does not exist (exit 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse that exits with `USAGE` (64), not 2: 2 means a wrong stack config here."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(exits.USAGE, f"{self.prog}: error: {message}\n")


# --- where and what: project, stack, output --------------------------------------------------------


def find_project(start: Path) -> Path:
    """The nearest directory at or above `start` holding `Pulumi.yaml`, as the Pulumi CLI finds it."""
    for directory in (start, *start.parents):
        if (directory / PROJECT_FILE).is_file():
            return directory
    raise UsageError(
        f"no {PROJECT_FILE} in {start} or any folder above it: run inside the project or pass -C DIR"
    )


def _pulumi_home() -> Path:
    return Path(os.environ.get("PULUMI_HOME") or Path.home() / ".pulumi")


def selected_stack(project_dir: Path) -> str | None:
    """The stack `pulumi stack select` chose for this project, if this machine has one.

    The CLI keeps it in `$PULUMI_HOME/workspaces/<project>-<sha1 of Pulumi.yaml's path>-workspace.json`
    (pulumi/pulumi pkg/workspace: `projectWorkspace.settingsPath`), as `{"stack": "<name>"}`.
    """
    project_file = project_dir / PROJECT_FILE
    try:
        name = str((yaml.safe_load(project_file.read_text(encoding="utf-8")) or {}).get("name", ""))
    except (OSError, yaml.YAMLError, AttributeError):
        return None
    digest = hashlib.sha1(str(project_file).encode(), usedforsecurity=False).hexdigest()
    settings = _pulumi_home() / "workspaces" / f"{name}-{digest}-workspace.json"
    try:
        stack = json.loads(settings.read_text(encoding="utf-8")).get("stack")
    except (OSError, ValueError, AttributeError):
        return None
    # A stack selected in an organization is `org/name`; its stack file is Pulumi.<name>.yaml.
    return str(stack).rsplit("/", 1)[-1] if stack else None


def resolve_stack(explicit: str | None, project_dir: Path) -> str:
    """`-s/--stack`, else `PULUMI_STACK`, else the selected stack; refuse to guess beyond that."""
    if explicit is not None:
        return explicit  # checked like the CLI checks it, before any file is read (stackfiles.py)
    stack = os.environ.get("PULUMI_STACK") or selected_stack(project_dir)
    if not stack:
        raise UsageError("no stack selected: pass -s/--stack (or set PULUMI_STACK, or `pulumi stack select`)")
    return stack


def _project_dir(args: argparse.Namespace) -> Path:
    given = getattr(args, "cwd", None) or os.environ.get("SECRETS_PLATFORM_PROJECT")
    if given:
        path = Path(given).resolve()
        if not (path / PROJECT_FILE).is_file():
            raise UsageError(f"{path} holds no {PROJECT_FILE}")
        return path
    return find_project(Path.cwd().resolve())


def write_output(target: str, text: str) -> None:
    """Write `text` to a file, or to standard output for `-`; a missing folder is an input error."""
    if target == "-":
        sys.stdout.write(text)
        return
    path = Path(target)
    if not path.parent.is_dir():
        raise InputError(f"--out {target}: the folder {path.parent} does not exist")
    path.write_text(text, encoding="utf-8")


def use_color(choice: str) -> bool:
    """Colour and glyphs only on a terminal, and never where `NO_COLOR` is set or in CI."""
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and not os.environ.get("CI")


def envelope(kind: str, stack: str | None, body: dict[str, Any]) -> str:
    """The versioned JSON every `--json` prints: `{"format": "secrets-platform/<kind>", "version": 1, ...}`."""
    doc = {"format": f"secrets-platform/{kind}", "version": 1}
    if stack is not None:
        doc["stack"] = stack
    return json.dumps({**doc, **body}, indent=1, sort_keys=True) + "\n"


# --- the commands ----------------------------------------------------------------------------------


def _plan(args: argparse.Namespace, project_dir: Path) -> Plan | None:
    """The stack's plan, or `None` once the reason it cannot be trusted is on stderr."""
    try:
        return make_plan(project_dir, args.stack, Progress(sys.stderr, args.stack))
    except PlanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def cmd_plan(args: argparse.Namespace, project_dir: Path) -> int:
    plan = _plan(args, project_dir)
    if plan is None:
        return exits.PLAN_FAILED
    document = plan.dumps()
    if args.json:
        sys.stdout.write(document)
    elif args.out != "-":
        render_tree(plan, sys.stdout, glyphs=use_color(args.color), urns=args.urns)
    if args.out:
        write_output(args.out, document)
        if args.out != "-":
            print(f"Plan written to {args.out}", file=sys.stderr if args.json else sys.stdout)
    return exits.OK


def cmd_check(args: argparse.Namespace, project_dir: Path) -> int:
    from offline.check import cmd_check as run

    return run(args, project_dir)


def cmd_access(args: argparse.Namespace, project_dir: Path) -> int:
    from offline.access import (
        RenderError,
        access_report,
        principal_names,
        render_markdown,
        render_mermaid,
        render_svg,
    )
    from offline.catalogue import load_catalogue

    plan = _plan(args, project_dir)
    if plan is None:
        return exits.PLAN_FAILED
    rows = access_report(plan, principal_names(load_catalogue(project_dir, args.stack).config))
    if args.secret:
        known = {row["catalogue"] for row in rows}
        unknown = [name for name in args.secret if name not in known]
        if unknown:
            print(
                f"error: --secret {', '.join(unknown)}: no reader of such a catalogue secret in stack {args.stack} "
                f"(known: {', '.join(sorted(k for k in known if k))})",
                file=sys.stderr,
            )
            return exits.BAD_INPUT
        rows = [row for row in rows if row["catalogue"] in args.secret]
    if args.json or args.format == "json":
        sys.stdout.write(envelope("access", args.stack, {"grants": [_camel(row) for row in rows]}))
    elif args.format == "mermaid":
        print(render_mermaid(rows))
    elif args.format == "svg":
        try:
            sys.stdout.write(render_svg(rows, title=f"Who can read which secret: stack {args.stack}"))
        except RenderError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return exits.INTERNAL
    else:
        print(render_markdown(rows))
    return exits.OK


def _camel(row: dict[str, Any]) -> dict[str, Any]:
    def camel(key: str) -> str:
        head, *rest = key.split("_")
        return head + "".join(part.title() for part in rest)

    return {camel(k): v for k, v in row.items()}


def cmd_diff(args: argparse.Namespace, project_dir: Path) -> int:
    from offline.diff import cmd_diff as run

    return run(args, project_dir)


def cmd_rotation(args: argparse.Namespace, project_dir: Path) -> int:
    from offline.rotation_status import cmd_rotation as run

    return run(args, project_dir)


def cmd_rotate(args: argparse.Namespace, project_dir: Path) -> int:
    from offline.rotate import cmd_rotate as run

    return run(args, project_dir)


def cmd_revoke(args: argparse.Namespace, project_dir: Path) -> int:
    from offline.revoke import cmd_revoke as run

    return run(args, project_dir)


def cmd_import(args: argparse.Namespace, project_dir: Path) -> int:
    from offline.importer import cmd_import as run

    return run(args, project_dir)


def cmd_report(args: argparse.Namespace, project_dir: Path) -> int:
    from offline.report import cmd_report as run

    return run(args, project_dir)


def cmd_schema(args: argparse.Namespace, project_dir: Path) -> int:
    from config.schema import check_project_file, project_config_block, render_reference

    if args.check:
        problems = check_project_file(project_dir / PROJECT_FILE)
        for problem in problems:
            print(problem, file=sys.stderr)
        return exits.BAD_INPUT if problems else exits.OK
    if args.format == "markdown":
        print(render_reference())
    elif args.format == "pulumi-yaml":
        sys.stdout.write(yaml.safe_dump({"config": project_config_block()}, sort_keys=False))
    else:
        print(json.dumps(project_config_block(), indent=2))
    return exits.OK


# --- the parser ------------------------------------------------------------------------------------


def _common(*, stack: bool = True) -> argparse.ArgumentParser:
    """Options every subcommand takes, after its name."""
    common = argparse.ArgumentParser(add_help=False)
    _project_option(common)
    common.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                        help="colour and tree glyphs (auto: a terminal without NO_COLOR or CI)")  # fmt: skip
    if stack:
        common.add_argument(
            "-s", "--stack", help="the stack (default: PULUMI_STACK, then the selected stack)"
        )
        common.add_argument("--json", action="store_true", help="print a versioned JSON document on stdout")
        common.add_argument("--urns", action="store_true", help="show whole URNs instead of type and name")
    return common


def _project_option(parser: argparse.ArgumentParser) -> None:
    # Accepted before or after the subcommand; SUPPRESS keeps one from overwriting the other.
    parser.add_argument("-C", "--cwd", "--project-dir", dest="cwd", metavar="DIR", default=argparse.SUPPRESS,
                        help="the Pulumi project directory (default: the nearest Pulumi.yaml upwards)")  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="secrets-platform", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    _project_option(parser)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    plan = sub.add_parser(
        "plan", parents=[_common()], help="offline preview: resources, options, secret inputs"
    )
    plan.add_argument(
        "--out", metavar="FILE", help="write the plan JSON (secrets-platform/plan v1); - for stdout"
    )
    plan.set_defaults(func=cmd_plan)

    check = sub.add_parser(
        "check", parents=[_common()], help="the policy pack over the plan, as `pulumi preview` runs it"
    )
    check.add_argument(
        "--out", metavar="DIR", help="write violations.json, violations.sarif and plan.json there"
    )
    check.add_argument(
        "--policy-config", metavar="FILE", help="policy pack config (default: policies/config/<stack>.json)"
    )
    check.add_argument(
        "--pack-process",
        action="store_true",
        help="evaluate the pack in its own process over gRPC, as `pulumi preview --policy-pack` runs it "
        "(slower; the same results)",
    )
    check.set_defaults(func=cmd_check)

    access = sub.add_parser("access", parents=[_common()], help="who can read which secret, from the plan")
    access.add_argument(
        "--format",
        choices=["markdown", "json", "mermaid", "svg"],
        default="markdown",
        help="markdown: a Mermaid picture and the table; mermaid: the picture alone; svg: drawn by Graphviz",
    )
    access.add_argument(
        "--secret",
        action="append",
        metavar="NAME",
        help="only the paths to this catalogue secret (repeatable); by default every secret",
    )
    access.set_defaults(func=cmd_access)

    diff = sub.add_parser(
        "diff", parents=[_common()], help="what a change does to a stack, for its pull request"
    )
    diff.add_argument("--base", help="git ref to compare the working tree with (plans and checks both)")
    diff.add_argument("--no-check", action="store_true", help="with --base: skip the policy check")
    diff.add_argument("--base-plan", help="the base side's plan JSON (from `plan --out`)")
    diff.add_argument("--plan", help="the changed side's plan JSON")
    diff.add_argument("--base-violations", help="the base side's violations.json (from `check --out`)")
    diff.add_argument("--violations", help="the changed side's violations.json")
    diff.add_argument("--out", metavar="FILE", help="also write the Markdown to this file; - for stdout only")
    diff.add_argument(
        "--reports",
        metavar="DIR",
        help="with --base: keep the working tree's check there (violations.json, .sarif, plan.json)",
    )
    diff.add_argument(
        "--max-chars", type=int, default=60_000, help="longest Markdown to print (GitHub comments: 65,536)"
    )
    diff.set_defaults(func=cmd_diff)

    rotation = sub.add_parser(
        "rotation", parents=[_common()], help="what is due for rotation, from git history and the stores"
    )
    rotation.add_argument(
        "--within", type=int, default=14, metavar="DAYS", help="due within this many days (14)"
    )
    rotation.add_argument("--as-of", metavar="YYYY-MM-DD", help="the day to judge on (default: today)")
    rotation.add_argument(
        "--stores",
        action="store_true",
        help="read store-kept secrets' versions (credentials from the environment)",
    )
    rotation.set_defaults(func=cmd_rotation)

    rotate = sub.add_parser(
        "rotate", parents=[_common()], help="rotate one secret: version bump and new value, or the store now"
    )
    rotate.add_argument("name", metavar="NAME", help="the catalogue entry")
    rotate.add_argument(
        "--reason", help="why (kept on the version line and shown in review); never the value"
    )
    rotate.add_argument(
        "--value-from", action="append", metavar="KEY=@PATH|KEY=-",
        help="where a key's new value comes from: a file, or - for standard input (default: a prompt or stdin)",
    )  # fmt: skip
    rotate.add_argument(
        "--now", action="store_true", help="store secrets: rotate in the store now (emergency revocation)"
    )
    rotate.add_argument("--no-diff", action="store_true", help="skip the offline plan diff against HEAD")
    rotate.set_defaults(func=cmd_rotate)

    revoke = sub.add_parser(
        "revoke", parents=[_common()], help="previous values: what the platform revokes, what is still live"
    )
    revoke.add_argument("names", nargs="*", metavar="NAME", help="catalogue entries (default: all)")
    revoke.add_argument("--stores", action="store_true", help="read the stores' previous versions")
    revoke.add_argument(
        "--apply", action="store_true", help="revoke store versions past their grace (implies --stores)"
    )
    revoke.add_argument("--grace-days", type=int, metavar="N", help="days a successor must be current first")
    revoke.set_defaults(func=cmd_revoke)

    adopt = sub.add_parser("import", parents=[_common()], help="adopt existing secrets into the catalogue")
    sources = adopt.add_mutually_exclusive_group(required=True)
    sources.add_argument(
        "--from-kubectl", metavar="FILE", help="`kubectl get secret ... -o yaml` output; - for stdin"
    )
    sources.add_argument(
        "--from-secrets-manager", nargs="+", metavar="NAME", help="Secrets Manager names or ARNs"
    )
    sources.add_argument("--from-key-vault", nargs="+", metavar="NAME", help="Key Vault secret names")
    adopt.add_argument(
        "--reader", action="append", metavar="WORKLOAD", help="a workload that reads them (repeat)"
    )
    adopt.add_argument(
        "--rotation-days", type=int, metavar="N", help="their rotation period (default 90, or the store's)"
    )
    adopt.add_argument(
        "--print-commands",
        action="store_true",
        help="passphrase stacks: print the config commands, write no value",
    )
    adopt.add_argument(
        "--import-file",
        metavar="PATH",
        help="where to write the pulumi import file (out/import-<stack>.json)",
    )
    adopt.add_argument(
        "--parents-exist",
        action="store_true",
        help="the stack is deployed: name the parents by URN, create none",
    )
    adopt.add_argument(
        "--subscription-id", help="Key Vault: the subscription of the vault, for the import id"
    )
    adopt.set_defaults(func=cmd_import)

    report = sub.add_parser(
        "report", parents=[_common()], help="the audit report: one HTML page and its JSON"
    )
    report.add_argument(
        "--out", required=True, metavar="DIR", help="where to write index.html and report.json"
    )
    report.add_argument(
        "--stores", action="store_true", help="read store-kept secrets' versions for the rotation table"
    )
    report.add_argument("--as-of", metavar="YYYY-MM-DD", help="the day to judge rotation on (default: today)")
    report.add_argument(
        "--within", type=int, default=14, metavar="DAYS", help="due within this many days (14)"
    )
    report.set_defaults(func=cmd_report)

    schema = sub.add_parser(
        "schema", parents=[_common(stack=False)], help="the config reference generated from the models"
    )
    schema.add_argument("--format", choices=["markdown", "pulumi-yaml", "json"], default="markdown")
    schema.add_argument("--check", action="store_true", help="fail if Pulumi.yaml or the README is stale")
    schema.set_defaults(func=cmd_schema)  # fmt: skip
    return parser


def _version() -> str:
    try:
        return importlib.metadata.version("secrets-platform")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _guarded(text: str) -> str:
    """No placeholder canary leaves through an error message, whatever raised it."""
    return CANARY.sub(MASK, text)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command: Callable[[argparse.Namespace, Path], int] = args.func
    try:
        project_dir = _project_dir(args)
        # Two plan files carry their stack; every other command runs the program for one.
        if hasattr(args, "stack") and not (args.command == "diff" and not args.base):
            args.stack = resolve_stack(args.stack, project_dir)
        return command(args, project_dir)
    except UsageError as exc:
        print(f"secrets-platform: error: {exc}", file=sys.stderr)
        return exits.USAGE
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exits.BAD_INPUT
    except pulumi.RunError as exc:  # ConfigError and friends: the user's mistake, no traceback
        print(f"error: {_guarded(str(exc))}", file=sys.stderr)
        return exits.BAD_INPUT
    except BrokenPipeError:
        # The reader left (`access | head`): stop quietly, as other Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return exits.BROKEN_PIPE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: one line, the traceback only on request
        if os.environ.get("SECRETS_PLATFORM_DEBUG"):
            raise
        print(
            f"internal error: {type(exc).__name__}: {_guarded(str(exc))}\n"
            "This is a bug of secrets-platform; rerun with SECRETS_PLATFORM_DEBUG=1 for the traceback and report it.",
            file=sys.stderr,
        )
        return exits.INTERNAL


if __name__ == "__main__":
    sys.exit(main())
