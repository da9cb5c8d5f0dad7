"""`secrets-platform report --stack S --out DIR`: the audit an operations team hands to an auditor.

`DIR/index.html` is one self-contained page (inventory of secrets and their sources, the access
graph, the rotation table, the policy results); `DIR/report.json` holds the same data in the
`--json` envelope of the other commands. Both are scanned for every canary of the plan before they
are written: a report never carries a secret.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from offline import exits
from offline.history import HistoryError
from offline.leaks import LeakScanner
from offline.stores.access import ClientFactory, Stores, from_environment


def cmd_report(
    args: argparse.Namespace, project_dir: Path, *, clients: dict[str, ClientFactory] | None = None
) -> int:
    """The `report` subcommand (registered in offline/cli.py)."""
    from offline.catalogue import load_catalogue
    from offline.check import PackError, PolicyConfigError, Redactor
    from offline.cli import envelope
    from offline.plan import PlanError
    from offline.report.data import build
    from offline.report.html import render
    from offline.rotation_status import parse_as_of

    out = Path(args.out)
    if not out.parent.is_dir():
        print(f"error: --out {args.out}: the folder {out.parent} does not exist", file=sys.stderr)
        return exits.BAD_INPUT
    try:
        as_of = parse_as_of(args.as_of)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exits.USAGE
    stores = None
    if args.stores:
        stores = Stores(
            load_catalogue(project_dir, args.stack).config, clients or from_environment(), now=as_of
        )
    try:
        body = build(project_dir, args.stack, as_of=as_of, within_days=args.within, stores=stores)
    except (PlanError, PackError, PolicyConfigError) as exc:
        # A policy's error may quote what it read: placeholders and canaries are masked, as `check` does.
        print(f"error: {Redactor()(str(exc))}", file=sys.stderr)
        return exits.PLAN_FAILED
    except HistoryError as exc:
        print(f"error: Pulumi.{args.stack}.yaml: {exc}", file=sys.stderr)
        return exits.BAD_INPUT
    document = envelope("report", args.stack, body)
    page = render(args.stack, body)
    scanner = LeakScanner()
    if scanner.found_in(document) or scanner.found_in(page):
        print("error: the report would have carried a secret placeholder; nothing written", file=sys.stderr)
        return exits.PLAN_FAILED
    out.mkdir(exist_ok=True)
    (out / "index.html").write_text(page, encoding="utf-8")
    (out / "report.json").write_text(document, encoding="utf-8")
    if args.json:
        sys.stdout.write(document)
    else:
        print(f"Report written to {out / 'index.html'} and {out / 'report.json'}")
    return exits.OK


__all__ = ["cmd_report"]
