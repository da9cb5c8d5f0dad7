"""The diff as GitHub-flavoured Markdown for a pull request comment.

What a reviewer must see comes first and always stays: the summary, then secret values, access to
secrets (with a Mermaid graph of the access changes, which GitHub draws) and policy violations. The resource table and each resource's details follow, every resource folded in
its own `<details>`. To fit `limit` characters the resources' details go first, then every table is
shortened (each says how many rows it left out), then the resource table itself; a security section
keeps its heading and its count of rows whatever the limit.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from offline.access import render_mermaid
from offline.check.policy_config import Level
from offline.diff.model import (
    MISSING,
    AccessChange,
    Action,
    Change,
    Diff,
    ResourceChange,
    SecretChange,
    Verdict,
)

COMMENT_LIMIT = 60_000
"""Characters a rendered diff may take: GitHub refuses comments over 65,536."""
_VALUE_WIDTH = 96
_CHANGES_SHOWN = 40
_ROWS = (200, 100, 50, 20, 5, 0)
"""Rows each table may show, tried in turn until the text fits."""

_SYMBOL = {Action.CREATE: "+", Action.UPDATE: "~", Action.REPLACE: "+-", Action.DELETE: "-"}
_STATUS = {
    Verdict.CHANGED: "changed",
    Verdict.UNCHANGED: "unchanged",
    Verdict.UNKNOWN: "changed: unknown",
    Verdict.ADDED: "new",
    Verdict.REMOVED: "removed",
}


def _code(text: str) -> str:
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    if len(text) > _VALUE_WIDTH:
        text = text[: _VALUE_WIDTH - 1] + "…"
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _value(value: Any, start: int = 0) -> str:
    """A plain value in a code span; long strings from `start` (where two values first differ)."""
    if value is MISSING:
        return "(none)"
    if isinstance(value, str):
        return _code(("…" + value[start:]) if start else value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _code(json.dumps(value, sort_keys=True))


def _first_difference(old: Any, new: Any) -> int:
    """Where to start showing two long strings so that their difference is in view."""
    if not (isinstance(old, str) and isinstance(new, str)) or max(len(old), len(new)) <= _VALUE_WIDTH:
        return 0
    same = next(
        (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new))
    )
    return max(0, same - _VALUE_WIDTH // 3)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


def _detail(change: SecretChange) -> str:
    """` (why)` for unknown verdicts, `: why` otherwise."""
    if not change.detail:
        return ""
    return f" ({change.detail})" if change.status == Verdict.UNKNOWN else f": {change.detail}"


def _short(urn: str) -> str:
    return urn.rsplit("::", 1)[-1] if urn else "(stack)"


def _short(urn: str) -> str:
    return urn.rsplit("::", 1)[-1] if urn else "(stack)"


def _table(header: list[str], rows: list[str], shown: int) -> list[str]:
    title = "|" + "|".join(f" {h} " if h else " " for h in header) + "|"
    lines = [title, "|" + "---|" * len(header), *rows[:shown]]
    if len(rows) > shown:
        lines.append(f"| … and {len(rows) - shown} more |" + " |" * (len(header) - 1))
    return lines


def render_markdown(diff: Diff, limit: int = COMMENT_LIMIT) -> str:
    """The diff as Markdown within `limit` characters; the security sections are never dropped."""
    head, security = _summary(diff), []
    for rows in _ROWS:
        security = _secrets(diff, rows) + _access(diff, rows) + _violations(diff, rows)
        table = _resource_table(diff, rows)
        fixed = "\n".join(head + security + table)
        budget = limit - len(fixed) - 300
        if budget < 0 and rows:
            continue
        if budget < 0:
            table = _resources_left_out(diff)
        details, dropped = _fit(_details(diff), budget)
        text = head + security + table + details
        if dropped:
            text += [f"_{dropped} resource detail(s) left out to fit a pull request comment._", ""]
        text += _unseen_files(diff)
        return "\n".join(text)
    return "\n".join(head + security + _resources_left_out(diff))


def _summary(diff: Diff) -> list[str]:
    counts = {action: diff.count(action) for action in Action}
    security = [
        f"{sum(1 for c in diff.resources for s in c.secrets if s.status != Verdict.UNCHANGED)} secret input change(s)",
        f"{len(diff.access)} access change(s)",
    ]
    if diff.violations is not None:
        introduced = [v for v in diff.violations if v.change == Change.INTRODUCED]
        mandatory = sum(1 for v in introduced if v.level == Level.MANDATORY)
        security.append(f"{len(introduced)} violation(s) introduced ({mandatory} mandatory)")
        security.append(f"{len(diff.violations) - len(introduced)} fixed")
    return [
        f"### Offline diff of stack `{diff.stack}`",
        "",
        f"{_code(diff.base_label)} → {_code(diff.head_label)}: **{counts[Action.CREATE]} to create, "
        f"{counts[Action.UPDATE]} to update, {counts[Action.REPLACE]} to replace, "
        f"{counts[Action.DELETE]} to delete**, {diff.unchanged} unchanged (custom resources; components "
        "not counted).",
        "",
        "Security: " + ", ".join(security) + ".",
        "",
    ]


def _secrets(diff: Diff, rows: int) -> list[str]:
    custom = [c for c in diff.resources if c.custom]
    secrets = [(c, s) for c in custom for s in c.secrets if s.status != Verdict.UNCHANGED]
    lines = ["#### Secret values", ""]
    if secrets:
        lines += _table(
            ["resource", "secret input", "value"],
            [
                f"| `{_cell(c.name)}` | `{_cell(s.path)}` | [secret], {_STATUS[s.status]}{_cell(_detail(s))} |"
                for c, s in secrets
            ],
            rows,
        )
    else:
        lines.append("No secret input changes.")
    if diff.unseen_secrets:
        lines += [
            "",
            f"{diff.unseen_secrets} secret input(s) keep their sources; whether their values changed is "
            + (
                "unknown: they are computed by the program from other resources."
                if diff.mode == "base"
                else "unknown (plan files hold no secret material): run `secrets-platform diff --stack "
                f"{diff.stack} --base <ref>` to compare the stack files."
            ),
        ]
    return [*lines, ""]


def _mermaid(changes: list[AccessChange]) -> list[str]:
    """The access changes drawn as the access report draws its rows: gains solid, losses dashed."""
    if not changes:
        return []
    graph = render_mermaid([dataclasses.asdict(a) for a in changes])
    return ["```mermaid", graph, "```", ""]


def _access(diff: Diff, rows: int) -> list[str]:
    lines = ["#### Access to secrets", ""]
    if diff.access:
        lines += _mermaid(diff.access) if rows >= len(diff.access) else []
        lines += _table(
            ["", "secret", "reader", "through", "verbs"],
            [
                f"| {a.change} | `{_cell(a.secret)}` | {a.reader_kind} `{_cell(a.reader)}` | {_cell(a.through)} | "
                f"{', '.join(a.verbs)} |"
                for a in diff.access
            ],
            rows,
        )
    else:
        lines.append("No reader gains or loses read access.")
    if diff.version_follows:
        follows = diff.version_follows[:rows]
        more = f"; and {len(diff.version_follows) - rows} more" if len(diff.version_follows) > rows else ""
        lines += ["", "Readers that follow a rotation: " + "; ".join(follows) + more + "."]
    return [*lines, ""]


def _violations(diff: Diff, rows: int) -> list[str]:
    lines = ["#### Policy violations", ""]
    if diff.violations is None:
        lines.append("Not compared (no violations given for both sides).")
    elif diff.violations:
        lines += _table(
            ["", "level", "policy", "resource", "message"],
            [
                f"| {v.change} | {v.level} | `{v.policy}` | `{_cell(_short(v.urn))}` | {_cell(v.message)} |"
                for v in diff.violations
            ],
            rows,
        )
    else:
        lines.append("None introduced, none fixed.")
    return [*lines, ""]


def _why(c: ResourceChange) -> str:
    if c.action == Action.REPLACE:
        return "; ".join(str(r) for r in c.reasons)
    plain = [p.path for p in c.properties if not p.ignored][:3]
    secret = [f"{s.path} ([secret] {_STATUS[s.status]})" for s in c.secrets if s.status != Verdict.UNCHANGED][
        :2
    ]
    return ", ".join(plain + secret)


def _resource_table(diff: Diff, rows: int) -> list[str]:
    custom = [c for c in diff.resources if c.custom]
    lines = ["#### Resources", ""]
    if not custom:
        return [*lines, "No resource changes.", ""]
    table = [
        f"| `{_SYMBOL[c.action]}` {c.action} | `{_cell(c.name)}` | `{_cell(c.type)}` | {_cell(_why(c))} |"
        for c in custom
    ]
    return [*lines, *_table(["", "resource", "type", "why"], table, rows), ""]


def _resources_left_out(diff: Diff) -> list[str]:
    count = sum(1 for c in diff.resources if c.custom)
    return [
        "#### Resources",
        "",
        f"_{count} resource change(s) left out to fit a pull request comment: run the command for all of them._",
        "",
    ]


def _details(diff: Diff) -> list[list[str]]:
    """One folded block per resource worth a closer look (inputs, options, secrets, notes)."""
    blocks = []
    for c in diff.resources:
        if not c.custom or (c.action in (Action.CREATE, Action.DELETE) and not c.secrets and not c.notes):
            continue
        lines = [
            f"<details><summary><code>{_SYMBOL[c.action]}</code> {c.action} <code>{_html(c.name)}</code> "
            f"({_html(c.type)})</summary>",
            "",
        ]
        if c.reasons:
            lines.append("Replaced because " + "; ".join(str(r) for r in c.reasons) + ".")
        lines += [f"- note: {n}" for n in c.notes]
        listed_here = c.properties[:_CHANGES_SHOWN]
        for p in listed_here:
            suffix = " (ignored: `ignoreChanges`)" if p.ignored else ""
            if p.secrecy:
                lines.append(f"- `{p.path}`: [secret] {p.new}{suffix}")
            else:
                start = _first_difference(p.old, p.new)
                lines.append(f"- `{p.path}`: {_value(p.old, start)} → {_value(p.new, start)}{suffix}")
        if len(c.properties) > len(listed_here):
            lines.append(f"- … and {len(c.properties) - len(listed_here)} more changed inputs")
        lines += [f"- option `{o.path}`: {_value(o.old)} → {_value(o.new)}" for o in c.options]
        lines += [f"- `{s.path}`: [secret], {_STATUS[s.status]}{_detail(s)}" for s in c.secrets]
        blocks.append([*lines, "", "</details>", ""])
    return blocks


def _fit(blocks: list[list[str]], budget: int) -> tuple[list[str], int]:
    """The blocks that fit in `budget` characters, in order; and how many were left out."""
    kept: list[str] = []
    used, dropped = 0, 0
    for block in blocks:
        size = len("\n".join(block)) + 1
        if used + size > budget:
            dropped += 1
            continue
        used += size
        kept += block
    return kept, dropped


def _unseen_files(diff: Diff) -> list[str]:
    if not diff.unseen_files:
        return []
    return [
        f"{diff.unseen_files} file asset(s) or archive(s) keep their names; plan files hold no file "
        "contents, so a new content shows only through other inputs (such as a `codeSha256`).",
        "",
    ]


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
