"""`secrets-platform rotation`: what is due, what is overdue, and since when.

For every catalogue entry: when its current value began, its rotation period, its due date and its
state. Where the value's age comes from:

- a secret the platform holds (literal, file, generated) or writes (a Vault value with
  `generate: true`): the git history of the stack file, the commit that last changed its `version`
  or first added it (`offline.history`);
- a secret a store rotates (Secrets Manager's Lambda, the Key Vault function) or operators write
  into a store (`generate: false`): the store itself, with `--stores` on the real path (the current
  version's creation; Secrets Manager's `LastRotatedDate` is shown beside it). Without `--stores`
  such a row says so, and what keeps it rotating;
- Vault database credentials: issued per lease, never stored; nothing to rotate.

States: `overdue` (the due date has passed), `due` (due within `--within` days), `ok`, `pending`
(the working tree changes its version and the change is not committed: not deployed yet),
`unknown` (the store was not read), `dynamic` (per-lease credentials). With `--stores`, "previous
live" counts the versions the store still serves besides the current one (`revoke` removes them).

Exit code 3 (`exits.OVERDUE`) when any entry is overdue, so a scheduled job fails visibly.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from config.models import AnySecret, CloudSecret
from offline import exits
from offline.catalogue import Catalogue, load_catalogue, store_name, store_of, store_rotated
from offline.history import HistoryError, VersionStart, version_starts
from offline.stores import StoreError, StoreState
from offline.stores.access import ClientFactory, Stores, from_environment

DEFAULT_WITHIN_DAYS = 14
"""A secret due within two weeks is listed as due: time for one review-and-merge cycle."""

STATES = ("overdue", "due", "pending", "unknown", "ok", "dynamic")
"""In the order a person reads them: what needs action first."""


@dataclass
class RotationRow:
    """One catalogue entry's rotation state (names and dates only)."""

    secret: str
    source: str
    store: str | None
    store_name: str | None
    version: int
    period_days: int
    since: datetime | None
    since_from: str
    """`git`, `store`, `working tree` or `-`."""
    due: date | None
    days_left: int | None
    state: str
    commit: str | None = None
    subject: str = ""
    last_rotated: datetime | None = None
    previous_live: int | None = None
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "secret": self.secret,
            "source": self.source,
            "store": self.store,
            "storeName": self.store_name,
            "version": self.version,
            "periodDays": self.period_days,
            "since": self.since.isoformat() if self.since else None,
            "sinceFrom": self.since_from,
            "due": self.due.isoformat() if self.due else None,
            "daysLeft": self.days_left,
            "state": self.state,
            "commit": self.commit,
            "subject": self.subject,
            "lastRotated": self.last_rotated.isoformat() if self.last_rotated else None,
            "previousLive": self.previous_live,
            "note": self.note,
        }


@dataclass
class RotationReport:
    stack: str
    as_of: datetime
    within_days: int
    stores_read: bool
    rows: list[RotationRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def overdue(self) -> list[RotationRow]:
        return [r for r in self.rows if r.state == "overdue"]

    def summary(self) -> dict[str, int]:
        return {state: sum(1 for r in self.rows if r.state == state) for state in STATES}

    def body(self) -> dict[str, Any]:
        return {
            "asOf": self.as_of.isoformat(),
            "withinDays": self.within_days,
            "storesRead": self.stores_read,
            "summary": self.summary(),
            "secrets": [r.to_json() for r in self.rows],
            "warnings": self.warnings,
        }


def _state(since: datetime, period: int, as_of: datetime, within: int) -> tuple[date, int, str]:
    due = (since + timedelta(days=period)).date()
    days_left = (due - as_of.date()).days
    if days_left < 0:
        return due, days_left, "overdue"
    return due, days_left, "due" if days_left <= within else "ok"


def _store_note(catalogue: Catalogue, entry: CloudSecret) -> str:
    store = store_of(catalogue.config, entry)
    if store_rotated(catalogue.config, entry):
        who = "its rotation Lambda" if store == "secrets-manager" else "the rotation function"
        return f"{store} rotates it every {entry.rotation_days} days ({who}); --stores reads when it last did"
    return f"operators write it into {store}; --stores reads when they last did"


def rotation_report(
    catalogue: Catalogue,
    *,
    as_of: datetime,
    within_days: int = DEFAULT_WITHIN_DAYS,
    stores: Stores | None = None,
) -> RotationReport:
    """The rotation state of every catalogue entry of a stack; raises `HistoryError` without git."""
    config = catalogue.config
    report = RotationReport(catalogue.stack, as_of, within_days, stores is not None)
    starts = version_starts(catalogue.stack_file, {e.name: e.version for e in config.secrets})
    for entry in config.secrets:
        report.rows.append(_row(catalogue, entry, starts[entry.name], as_of, within_days, stores, report))
    order = {state: i for i, state in enumerate(STATES)}
    report.rows.sort(key=lambda r: (order[r.state], r.days_left if r.days_left is not None else 0, r.secret))
    return report


def _row(
    catalogue: Catalogue,
    entry: AnySecret,
    start: VersionStart,
    as_of: datetime,
    within: int,
    stores: Stores | None,
    report: RotationReport,
) -> RotationRow:
    config = catalogue.config
    store = store_of(config, entry)
    row = RotationRow(
        secret=entry.name,
        source=entry.source,
        store=store,
        store_name=store_name(config, entry) if entry.source == "cloud" else None,
        version=entry.version,
        period_days=entry.rotation_days,
        since=None,
        since_from="-",
        due=None,
        days_left=None,
        state="unknown",
    )
    if entry.source == "cloud" and entry.database is not None:
        row.state, row.note = "dynamic", "Vault issues new credentials per lease; nothing is stored"
        return row
    state: StoreState | None = None
    if store is not None and stores is not None:
        try:
            state = stores.read(entry)
        except StoreError as exc:
            report.warnings.append(str(exc))
            row.note = str(exc)
    if state is not None:
        row.previous_live = len(state.previous_live)
        row.last_rotated = state.last_rotated
    platform_dated = store is None or (
        entry.source == "cloud" and store == "hashicorp-vault" and entry.generate
    )
    if state is not None and state.current_since is not None:
        row.since, row.since_from = state.current_since, "store"
    elif platform_dated and start.committed:
        row.since, row.since_from, row.commit, row.subject = start.since, "git", start.commit, start.subject
    elif platform_dated:
        row.state, row.since_from = "pending", "working tree"
        row.note = f"version {entry.version} is not committed yet: not deployed"
        return row
    else:
        row.note = row.note or _store_note(catalogue, entry)  # type: ignore[arg-type]
        return row
    assert row.since is not None
    row.due, row.days_left, row.state = _state(row.since, entry.rotation_days, as_of, within)
    if store is None and row.state in ("due", "overdue"):
        row.note = f"secrets-platform rotate --stack {catalogue.stack} {entry.name}"
    elif row.state in ("due", "overdue") and entry.source == "cloud":
        row.note = f"secrets-platform rotate --stack {catalogue.stack} {entry.name}" + (
            "" if platform_dated else " --now"
        )
    return row


# --- output ------------------------------------------------------------------------------------

_COLOURS = {"overdue": "\033[31m", "due": "\033[33m", "pending": "\033[36m", "ok": "\033[32m"}


def _day(value: datetime | date | None) -> str:
    if value is None:
        return "-"
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def render(report: RotationReport, out: TextIO, *, color: bool = False) -> None:
    """A table a person reads top to bottom: what needs action first."""
    header = ["secret", "source", "version", "since", "from", "period", "due", "state", "previous live"]
    rows = []
    for r in report.rows:
        left = (
            ""
            if r.days_left is None
            else (f" ({-r.days_left} d late)" if r.days_left < 0 else f" ({r.days_left} d)")
        )
        rows.append(
            [
                r.secret,
                r.source + (f" ({r.store})" if r.store else ""),
                f"v{r.version}",
                _day(r.since),
                r.since_from,
                f"{r.period_days} d",
                _day(r.due) + left,
                r.state,
                "-" if r.previous_live is None else str(r.previous_live),
            ]
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(header)]
    lines = [
        f"Rotation of stack {report.stack} as of {report.as_of.date().isoformat()} "
        f"(due = within {report.within_days} days; stores {'read' if report.stores_read else 'not read: --stores'})",
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
    ]
    for r, row in zip(report.rows, rows, strict=True):
        text = "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        if color and r.state in _COLOURS:
            text = f"{_COLOURS[r.state]}{text}\033[0m"
        lines.append(text)
    notes = [f"  {r.secret}: {r.note}" for r in report.rows if r.note]
    if notes:
        lines += ["", "notes:", *notes]
    lines += [f"warning: {w}" for w in report.warnings]
    counts = report.summary()
    lines += ["", ", ".join(f"{counts[s]} {s}" for s in STATES if counts[s])]
    out.write("\n".join(lines) + "\n")


def parse_as_of(text: str | None) -> datetime:
    """`--as-of YYYY-MM-DD` (the end of that day, UTC), or now."""
    if not text:
        return datetime.now(UTC)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--as-of {text}: expected a date such as 2026-06-01") from None
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC)


def cmd_rotation(
    args: argparse.Namespace, project_dir: Path, *, clients: dict[str, ClientFactory] | None = None
) -> int:
    """The `rotation` subcommand (registered in offline/cli.py)."""
    from offline.cli import envelope, use_color

    try:
        as_of = parse_as_of(args.as_of)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exits.USAGE
    catalogue = load_catalogue(project_dir, args.stack)
    stores = Stores(catalogue.config, clients or from_environment(), now=as_of) if args.stores else None
    try:
        report = rotation_report(catalogue, as_of=as_of, within_days=args.within, stores=stores)
    except HistoryError as exc:
        print(f"error: {catalogue.stack_file.name}: {exc}", file=sys.stderr)
        return exits.BAD_INPUT
    if args.json:
        sys.stdout.write(envelope("rotation", args.stack, report.body()))
    else:
        render(report, sys.stdout, color=use_color(args.color))
    return exits.OVERDUE if report.overdue else exits.OK
