"""The access report as a table (Markdown, JSON) and as a picture (Mermaid, SVG) of one graph.

The picture is readers -> the path they read through -> secrets, one box per secret grouped by
layer (Kubernetes, each store, the CMS). A reader that reaches every Secret of a scope through a
path (`ns/*`, `*/*`) is drawn to that scope alone, not to each Secret in it: the table keeps the
full list. Labels are names from the plan only, and are escaped for Mermaid and for XML.

`render_mermaid` is what GitHub renders in a Markdown file or a pull request comment;
`render_svg` lays the same graph out with Graphviz's `dot` through pygraphviz, whose wheels carry
the Graphviz libraries (no `dot` binary, no system package).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from offline.access.model import ALL, CMS, KEY_VAULT, KUBERNETES, LAYERS, SECRETS_MANAGER, VAULT

LAYER_TITLES = {
    KUBERNETES: "Kubernetes Secrets",
    SECRETS_MANAGER: "AWS Secrets Manager",
    KEY_VAULT: "Azure Key Vault",
    VAULT: "HashiCorp Vault KV",
    CMS: "CMS collections",
}


@dataclass
class Graph:
    """Readers, paths and secrets (node id -> label lines), and the edges between them."""

    readers: dict[str, list[str]] = field(default_factory=dict)
    paths: dict[str, list[str]] = field(default_factory=dict)
    secrets: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """Layer -> node id -> label lines."""
    edges: list[tuple[str, str, str]] = field(default_factory=list)
    """(from, to, label) in drawing order, without duplicates."""
    lost: set[int] = field(default_factory=set)
    """Indexes of the edges a change removes (the diff's `loses` rows), drawn dashed."""

    def size(self) -> tuple[int, int, int]:
        return len(self.readers), sum(len(s) for s in self.secrets.values()), len(self.edges)


def _covered(secret: str, layer: str, wildcards: set[tuple[str, str]]) -> bool:
    """A secret already reached by a wildcard row of the same reader and path."""
    if (layer, secret) in wildcards or secret.endswith(f"/{ALL}") or secret == ALL:
        return False
    if layer == KUBERNETES:
        namespace = secret.partition("/")[0]
        return (layer, f"{namespace}/{ALL}") in wildcards or (layer, f"{ALL}/{ALL}") in wildcards
    if layer == SECRETS_MANAGER:
        return (layer, ALL) in wildcards
    return (layer, f"{secret.rpartition('/')[0]}/{ALL}") in wildcards


def path_label(through: str) -> str:
    """The path as the picture names it: the binding, pod, role or store, without the detail after
    it (which keys, which copies: the table keeps them)."""
    head = re.sub(r" \(Helm release [^)]*\)", "", through.split(";", 1)[0])
    return re.sub(
        r" \((volume|env|envFrom|imagePullSecrets|values|inline policy|role policy|policy)\b[^)]*\)$",
        "",
        head,
    )


def build_graph(rows: list[dict[str, Any]]) -> Graph:
    """The graph of the rows (wildcards drawn once, not per Secret they cover).

    Rows need `secret`, `reader_kind`, `reader`, `through` and `verbs`; `layer` defaults to Kubernetes
    and `catalogue` to none, so the diff's access changes (`dataclasses.asdict` of them) draw as well:
    their `change` marks each reader's edge `+` (gains) or `-` (loses), a lost path dashed.
    """
    rows = [{"layer": KUBERNETES, "catalogue": None, **r} for r in rows]
    wildcards: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for r in rows:
        if r["secret"] == ALL or r["secret"].endswith(f"/{ALL}"):
            wildcards.setdefault((r["reader"], r["through"]), set()).add((r["layer"], r["secret"]))
    graph = Graph()
    ids: dict[tuple[str, ...], str] = {}

    def node(key: tuple[str, ...]) -> str:
        return ids.setdefault(key, f"n{len(ids)}")

    index: dict[tuple[str, str, str], int] = {}
    lost: set[int] = set()
    kept: set[int] = set()
    for r in rows:
        if _covered(r["secret"], r["layer"], wildcards.get((r["reader"], r["through"]), set())):
            continue
        reader = node(("reader", r["reader_kind"], r["reader"]))
        graph.readers[reader] = [r["reader_kind"], r["reader"]]
        label = path_label(r["through"])
        path = node(("path", label))
        graph.paths[path] = [label]
        secret = node(("secret", r["layer"], r["secret"]))
        lines = graph.secrets.setdefault(r["layer"], {}).setdefault(secret, [r["secret"]])
        if r["catalogue"] and r["catalogue"] not in lines[1:] and r["catalogue"] != r["secret"]:
            lines.append(r["catalogue"])
        change = r.get("change")
        verbs = ", ".join(r["verbs"])
        if change is not None:
            verbs = f"{'-' if change == 'loses' else '+'} {verbs}"
        for edge in ((reader, path, verbs), (path, secret, "")):
            if edge not in index:
                index[edge] = len(graph.edges)
                graph.edges.append(edge)
            (lost if change == "loses" else kept).add(index[edge])
    # A path shared by a lost and a kept or gained reader still leads to its secret: solid.
    graph.lost = lost - kept
    return graph


_MERMAID_ESCAPES = {
    "#": "#35;",
    '"': "#quot;",
    "<": "#lt;",
    ">": "#gt;",
    "`": "#96;",
    "|": "#124;",
    "[": "#91;",
    "]": "#93;",
    "{": "#123;",
    "}": "#125;",
}


def mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label or an edge label (entity codes, Mermaid's own escape)."""
    return "".join(_MERMAID_ESCAPES.get(ch, ch) for ch in text)


def _mermaid_label(lines: list[str]) -> str:
    return "<br/>".join(mermaid_text(line) for line in lines)


def render_mermaid(rows: list[dict[str, Any]]) -> str:
    """A Mermaid flowchart of the rows (what GitHub renders in a ```mermaid block)."""
    graph = build_graph(rows)
    lines = ["flowchart LR"]
    if not graph.edges:
        lines.append('  none["No reader can read a secret"]')
        return "\n".join(lines)
    lines.append('  subgraph readers["Readers"]')
    lines += [f'    {i}(["{_mermaid_label(label)}"])' for i, label in graph.readers.items()]
    lines += ["  end", '  subgraph paths["Through"]']
    lines += [f'    {i}["{_mermaid_label(label)}"]' for i, label in graph.paths.items()]
    lines.append("  end")
    for layer in LAYERS:
        nodes = graph.secrets.get(layer)
        if nodes:
            lines.append(f'  subgraph {layer.replace("-", "_")}["{LAYER_TITLES[layer]}"]')
            lines += [f'    {i}[("{_mermaid_label(label)}")]' for i, label in nodes.items()]
            lines.append("  end")
    for index, (source, target, label) in enumerate(graph.edges):
        arrow = "-.->" if index in graph.lost else "-->"
        lines.append(
            f'  {source} {arrow}|"{mermaid_text(label)}"| {target}'
            if label
            else f"  {source} {arrow} {target}"
        )
    lines.append("  classDef reader fill:#eef4ff,stroke:#3b6fd8")
    lines.append("  classDef secret fill:#fff4e5,stroke:#c77700")
    lines.append(f"  class {','.join(graph.readers)} reader")
    lines.append(f"  class {','.join(i for nodes in graph.secrets.values() for i in nodes)} secret")
    return "\n".join(lines)


@contextlib.contextmanager
def _quiet_fontconfig() -> Iterator[None]:
    """The Graphviz libraries' fontconfig may warn on stderr about a newer system config: keep its
    stderr, and pass on every line that is not such a warning."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            for line in captured.read().decode("utf-8", "replace").splitlines():
                if not line.startswith("Fontconfig "):
                    print(line, file=sys.stderr)


class RenderError(Exception):
    """The picture cannot be drawn here (pygraphviz missing): one line saying how to get it."""


def render_svg(rows: list[dict[str, Any]], title: str = "Access graph") -> str:
    """The graph as an SVG document, laid out by Graphviz `dot` (left to right), accessible by name."""
    try:
        import pygraphviz
    except ImportError as exc:  # pragma: no cover - pygraphviz is in requirements/plan.lock
        raise RenderError("--format svg needs pygraphviz (requirements/plan.lock): run `make venv`") from exc
    graph = build_graph(rows)
    readers, secrets, edges = graph.size()
    font = "Helvetica,Arial,sans-serif"
    g = pygraphviz.AGraph(directed=True, strict=False, rankdir="LR", ranksep="1.2", nodesep="0.15")
    g.graph_attr.update(fontname=font, fontsize="12", label=title, labelloc="t")
    g.node_attr.update(fontname=font, fontsize="10", shape="box", style="rounded,filled", fillcolor="#ffffff")
    g.edge_attr.update(fontname=font, fontsize="9", color="#5b6b7f", arrowsize="0.6")
    readers_group = g.add_subgraph(name="cluster_readers", label="Readers", style="dashed", color="#9aa8b8")
    for i, label in graph.readers.items():
        readers_group.add_node(i, label="\n".join(label), fillcolor="#eef4ff", color="#3b6fd8")
    paths_group = g.add_subgraph(name="cluster_paths", label="Through", style="dashed", color="#9aa8b8")
    for i, label in graph.paths.items():
        paths_group.add_node(i, label="\n".join(label), shape="box", style="filled", fillcolor="#f3f5f8")
    for layer in LAYERS:
        nodes = graph.secrets.get(layer)
        if nodes:
            cluster = g.add_subgraph(name=f"cluster_{layer}", label=LAYER_TITLES[layer], style="dashed")
            for i, label in nodes.items():
                cluster.add_node(
                    i, label="\n".join(label), shape="cylinder", fillcolor="#fff4e5", color="#c77700"
                )
    for index, (source, target, label) in enumerate(graph.edges):
        g.add_edge(source, target, label=label, style="dashed" if index in graph.lost else "solid")
    with _quiet_fontconfig():
        svg = g.draw(format="svg", prog="dot").decode("utf-8")
    svg = svg[svg.index("<svg") :]
    aria = f"{title}: {readers} readers, {secrets} secrets, {edges} edges"
    return svg.replace("<svg", f'<svg role="img" aria-label="{_xml(aria)}" class="graph"', 1)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _cell(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_table(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table."""
    header = ["secret", "catalogue", "layer", "reader kind", "reader", "through", "verbs"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        cells = [
            r["secret"],
            r["catalogue"] or "",
            r["layer"],
            r["reader_kind"],
            r["reader"],
            r["through"],
            ", ".join(r["verbs"]),
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def render_markdown(rows: list[dict[str, Any]]) -> str:
    """The report as Markdown: the picture (a Mermaid block GitHub renders), then the table."""
    return "\n".join(["```mermaid", render_mermaid(rows), "```", "", render_table(rows)])


def render_json(rows: list[dict[str, Any]]) -> str:
    """The report as a JSON array of rows."""
    return json.dumps(rows, indent=2)
