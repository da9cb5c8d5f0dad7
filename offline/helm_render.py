"""Render a chart with Helm's own engine for people to read, with every secret value masked.

`helm template` prints Secrets in full, so its output must never reach a terminal, a CI log or a pull
request comment. `render_for_display` renders the same way (the Helm SDK through helm-python, no
binary, no cluster) and then replaces the value of each key of every Secret's `data` and
`stringData` with `[secret]`. The values found there are also masked wherever else they show up
(a ConfigMap, an env value, NOTES.txt), in plain or base64 form.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

MASK = "[secret]"
MIN_MASKED_LENGTH = 4
"""Shorter Secret values are not searched for elsewhere (they would mask ordinary words)."""


def _documents(text: str) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


def _secret_values(doc: Mapping[str, Any]) -> set[str]:
    found = set()
    for value in (doc.get("stringData") or {}).values():
        found.add(str(value))
    for value in (doc.get("data") or {}).values():
        found.add(str(value))
        with contextlib.suppress(ValueError, UnicodeDecodeError):
            found.add(base64.b64decode(str(value), validate=True).decode("utf-8"))
    return {v for v in found if len(v) >= MIN_MASKED_LENGTH}


def _mask_secret(doc: dict[str, Any]) -> dict[str, Any]:
    masked = dict(doc)
    for key in ("data", "stringData"):
        if isinstance(masked.get(key), Mapping):
            masked[key] = dict.fromkeys(masked[key], MASK)
    return masked


def _masked(doc: Any, secrets: set[str]) -> Any:
    """A Secret with its values masked (collected into `secrets`), also inside a `kind: List`."""
    if not isinstance(doc, dict):
        return doc
    if doc.get("kind") == "Secret":
        secrets |= _secret_values(doc)
        return _mask_secret(doc)
    if str(doc.get("kind", "")).endswith("List") and isinstance(doc.get("items"), list):
        return {**doc, "items": [_masked(item, secrets) for item in doc["items"]]}
    return doc


def _scrub(text: str, secrets: set[str]) -> str:
    for value in sorted(secrets, key=len, reverse=True):
        encoded = base64.b64encode(value.encode()).decode()
        text = text.replace(value, MASK).replace(encoded, MASK)
    return text


def render_for_display(
    chart_dir: Path | str,
    values: Mapping[str, Any] | None = None,
    *,
    release_name: str,
    namespace: str,
) -> str:
    """`helm template` output of a chart with these (already merged) values, safe to print.

    Returns the manifests as one YAML stream, each under a `# Source: <template>` comment, in
    template order, followed by NOTES.txt; Helm's render errors propagate unchanged.
    """
    with helm.Chart.load(str(chart_dir)) as chart:
        rendered = chart.render(dict(values or {}), name=release_name, namespace=namespace, is_install=True)
    manifests = {path: text for path, text in rendered.items() if not path.endswith("NOTES.txt")}
    notes = "".join(text for path, text in rendered.items() if path.endswith("NOTES.txt"))

    secrets: set[str] = set()
    parts: list[str] = []
    for path in sorted(manifests):
        for doc in _documents(manifests[path]):
            doc = _masked(doc, secrets)
            parts.append(f"# Source: {path}\n{yaml.safe_dump(doc, sort_keys=False)}")
    stream = "---\n".join(parts)
    if notes:
        commented = "\n".join(f"# {line}".rstrip() for line in notes.splitlines())
        stream += f"---\n# NOTES.txt\n{commented}\n"
    return _scrub(stream, secrets)
