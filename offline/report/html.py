"""The audit report as one self-contained HTML page: the stylesheet inlined, no script, no font or
image fetched (its Content-Security-Policy forbids any request), every text escaped.

The access graph is the SVG `offline.access.render_svg` draws (readers, the paths they read through,
secrets by layer), beside the table with the binding or identity of each line.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from string import Template
from typing import Any

from offline.access import render_svg

HERE = Path(__file__).resolve().parent


def _table(header: list[str], rows: list[list[str]], caption: str, empty: str) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in header)
    if not rows:
        rows = [[f'<span class="muted">{escape(empty)}</span>', *[""] * (len(header) - 1)]]
    body = "\n".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table aria-label="{escape(caption)}">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>'


def _code(text: Any) -> str:
    return f"<code>{escape(str(text))}</code>" if text not in (None, "") else '<span class="muted">-</span>'


def _list(items: list[str]) -> str:
    return ", ".join(escape(i) for i in items) if items else '<span class="muted">-</span>'


def _state(state: str) -> str:
    return f'<span class="state state-{escape(state)}">{escape(state)}</span>'


def inventory_table(rows: list[dict[str, Any]]) -> str:
    return _table(
        ["secret", "source", "value comes from", "delivered as", "keys", "readers", "apps", "rotation"],
        [
            [
                f'{_code(r["secret"])}<br><span class="muted">{escape(r["description"])}</span>',
                escape(r["source"] + (f" ({r['store']})" if r["store"] else "")),
                escape(r["origin"]),
                f"{_code(r['namespace'] + '/' + r['kubernetesSecret'])} ({escape(r['mount'])})",
                _list(r["keys"]),
                _list(r["readers"]),
                _list(r["apps"]),
                f"every {r['rotationDays']} days (v{r['version']})",
            ]
            for r in rows
        ],
        "Inventory of secrets",
        "The stack's catalogue is empty.",
    )


def access_table(rows: list[dict[str, Any]]) -> str:
    return _table(
        ["secret", "layer", "reader", "through", "may"],
        [
            [
                _code(r["catalogue"] or r["secret"])
                + ("" if r["catalogue"] else ' <span class="muted">(not in the catalogue)</span>'),
                escape(r["layer"]),
                f"{escape(r['readerKind'])} {_code(r['reader'])}",
                escape(r["through"]),
                escape(", ".join(r["verbs"])),
            ]
            for r in rows
        ],
        "Access grants",
        "Nothing grants read access to a secret.",
    )


def access_svg(rows: list[dict[str, Any]]) -> str:
    """The access graph drawn by `offline.access.render_svg` (the same picture `access --format svg`
    prints), from the report's camelCase rows."""
    if not rows:
        return ""
    snake = {"readerKind": "reader_kind"}
    return render_svg([{snake.get(k, k): v for k, v in r.items()} for r in rows])


def rotation_table(rotation: dict[str, Any]) -> str:
    def day(value: str | None) -> str:
        return escape(value[:10]) if value else '<span class="muted">-</span>'

    return _table(
        [
            "secret",
            "source",
            "version",
            "since",
            "from",
            "period",
            "due",
            "state",
            "previous live",
            "next step",
        ],
        [
            [
                _code(r["secret"]),
                escape(r["source"] + (f" ({r['store']})" if r["store"] else "")),
                f"v{r['version']}",
                day(r["since"]),
                escape(r["sinceFrom"]),
                f"{r['periodDays']} days",
                day(r["due"])
                + ("" if r["daysLeft"] is None else f' <span class="muted">({r["daysLeft"]} d)</span>'),
                _state(r["state"]),
                escape("-" if r["previousLive"] is None else str(r["previousLive"])),
                escape(r["note"]),
            ]
            for r in rotation["secrets"]
        ],
        "Rotation",
        "No secret to rotate.",
    )


def violations_table(policies: dict[str, Any]) -> str:
    return _table(
        ["level", "policy", "resource", "what is wrong and how to fix it"],
        [
            [
                f'<span class="state level-{escape(v["enforcementLevel"])}">{escape(v["enforcementLevel"])}</span>',
                _code(v["policy"]),
                _code(v["resource"]),
                escape(v["message"]),
            ]
            for v in policies["violations"]
        ],
        "Violations",
        "No policy reports a violation.",
    )


def policies_table(policies: dict[str, Any]) -> str:
    return _table(
        ["policy", "level", "severity", "what it requires"],
        [
            [
                _code(name),
                escape(info["level"]),
                escape(info.get("severity", "")),
                escape(info["description"]),
            ]
            for name, info in sorted(policies["policies"].items())
        ],
        "Policies evaluated",
        "No policy was evaluated.",
    )


def _cards(body: dict[str, Any]) -> str:
    summary = body["rotation"]["summary"]
    policy = body["policies"]["summary"]
    readers = {(r["readerKind"], r["reader"]) for r in body["access"]}
    cards = [
        (len(body["inventory"]), "secrets in the catalogue"),
        (len(readers), "readers with access"),
        (summary["overdue"], "overdue for rotation"),
        (summary["due"], f"due within {body['rotation']['withinDays']} days"),
        (policy["mandatory"], "mandatory violations"),
        (policy["advisory"], "advisory violations"),
    ]
    return "".join(f'<div class="card"><b>{n}</b><span>{escape(label)}</span></div>' for n, label in cards)


def render(stack: str, body: dict[str, Any]) -> str:
    """The page for a report body (`offline.report.data.build`)."""
    rotation = body["rotation"]
    policies = body["policies"]
    template = Template((HERE / "template.html").read_text(encoding="utf-8"))
    return template.substitute(
        title=escape(f"Secrets audit: stack {stack}"),
        subtitle=escape(
            f"Project {body['project']}, cluster {body['cluster']} on {body['cloud']}, secrets provider "
            f"{body['secretsProvider']}; {body['resourceCount']} resources in the offline plan; as of {body['generatedAt'][:10]}."
        ),
        style=(HERE / "style.css").read_text(encoding="utf-8"),
        cards=_cards(body),
        inventory=inventory_table(body["inventory"]),
        graph=access_svg(body["access"]),
        access=access_table(body["access"]),
        rotation_lead=escape(
            f"When each value began (git history of Pulumi.{stack}.yaml, or the store), its period and due date; "
            f"due means within {rotation['withinDays']} days. Stores "
            + (
                "were read."
                if rotation["storesRead"]
                else "were not read (store-rotated secrets show as unknown)."
            )
        ),
        rotation=rotation_table(rotation),
        policies_lead=escape(
            f"Policy pack {policies['policyPack']['name']} {policies['policyPack']['version']} with config "
            f"{policies['policyPack']['config']}: {policies['summary']['mandatory']} mandatory and "
            f"{policies['summary']['advisory']} advisory violation(s) over {policies['summary']['resources']} resources."
        ),
        violations=violations_table(policies),
        policies=policies_table(policies),
        stack=escape(stack),
        generated=escape(body["generatedAt"][:10]),
    )
