"""Finding secret values in text, in any form a program could turn them into.

The offline engine knows every secret it handed the program: each `secure:` config value became a
placeholder canary (`spcanary-<stack>-<n>-<run>`), each generated value a canary
(`spgenerated-...`), and file sources and provider secret outputs are known strings. A leak is any of
them outside a secret input path, however it was transformed on the way. `LeakScanner.found_in()`
looks through the layers a careless or hostile program might add:

- case changes (`.upper()`) and white space (line-wrapped base64 or PEM);
- URL escaping (`%2D`, `+`), JSON and Python string escapes (`\\u0073`, `\\x73`);
- hex (either case) and base64 (standard or URL-safe, padded or not), also as a run inside a longer
  string, at every alignment, nested up to `MAX_DEPTH` layers (base64 of a JSON document holding a
  hex-encoded canary is found).

It answers yes or no and never returns or prints what it found: callers name the resource and path.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import json
import re
from collections.abc import Iterable, Iterator
from urllib.parse import unquote_plus

from offline.mocks import GENERATED_PREFIX
from offline.stackfiles import PLACEHOLDER_PREFIX

CANARY = re.compile(f"({PLACEHOLDER_PREFIX}|{GENERATED_PREFIX})-[A-Za-z0-9_.-]+")
"""A placeholder or generated canary, as the program receives it (stack names may hold capitals,
`_` and `.`). Use `CANARY.sub` only on text known to hold raw canaries; `LeakScanner` for any text."""

_CANARY_ANY_CASE = re.compile(f"({PLACEHOLDER_PREFIX}|{GENERATED_PREFIX})-[A-Za-z0-9_.-]+", re.IGNORECASE)

MIN_EXACT = 8
"""Shortest known secret searched for as a substring (shorter ones match innocent text)."""

MIN_LINE = 20
"""Shortest line of a multi-line secret searched for on its own."""

MAX_DEPTH = 3
"""Decoding layers followed (hex inside base64 inside JSON is three)."""

_WHITESPACE = re.compile(r"\s+")
_SHORTEST_RUN = 16
_HEX_RUN = re.compile(r"(?:[0-9a-fA-F]{2}){8,}")
_B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")


def _normal(text: str) -> str:
    """Case and white space folded away, so `CANARY` (any case) and exact values match line-wrapped
    and upper-cased text alike."""
    return _WHITESPACE.sub("", text).lower()


class LeakScanner:
    """Answers whether a text holds a secret the engine knows, in any of the forms above."""

    def __init__(self, exact: Iterable[str] = ()) -> None:
        # Canaries are found by their pattern; only other secrets need a substring search each. A
        # multi-line secret (a PEM file) leaks by any of its lines too.
        needles: set[str] = set()
        for secret in exact:
            if len(secret) < MIN_EXACT or CANARY.fullmatch(secret):
                continue
            needles.add(_normal(secret))
            needles.update(
                _normal(line)
                for line in secret.splitlines()
                if len(line.strip()) >= MIN_LINE and not line.startswith("-----")
            )
        self._exact = sorted(needles, key=len, reverse=True)
        self._seen: dict[str, bool] = {}

    def found_in(self, text: str) -> bool:
        """Whether `text` holds a known secret, raw or transformed."""
        known = self._seen.get(text)
        if known is None:
            if len(text) < _SHORTEST_RUN and "%" not in text and "\\" not in text:
                known = self._plainly_holds(text)  # too short to hold an encoded secret
            else:
                known = any(self._plainly_holds(layer) for layer in _layers(text, MAX_DEPTH))
            self._seen[text] = known
        return known

    def _plainly_holds(self, text: str) -> bool:
        if _CANARY_ANY_CASE.search(text):
            return True
        folded = _normal(text)
        if _CANARY_ANY_CASE.search(folded):
            return True
        return any(secret in folded for secret in self._exact)


def _layers(text: str, depth: int) -> Iterator[str]:
    """`text`, then every decoding of it, breadth first, without repeats."""
    seen: set[str] = set()
    frontier = [text]
    for _ in range(depth + 1):
        following: list[str] = []
        for layer in frontier:
            if layer in seen:
                continue
            seen.add(layer)
            yield layer
            following.extend(_decodings(layer))
        frontier = following


def _decodings(text: str) -> Iterator[str]:
    """Each way `text` may have been encoded, undone once."""
    if "%" in text or "+" in text:
        yield unquote_plus(text)
    if "\\" in text:
        yield _unescape(text)
    compact = _WHITESPACE.sub("", text)
    for match in _HEX_RUN.finditer(compact):
        run = match.group(0)
        # The encoded secret may start at an odd position of a longer run of hex digits.
        for chunk in (run, run[1:-1]):
            yield bytes.fromhex(chunk).decode("utf-8", "ignore")
    for match in _B64_RUN.finditer(compact):
        run = match.group(0)
        # Base64 of text mixes cases; names, labels and lower-case ids (most runs here) do not.
        if not run.islower() and not run.isupper():
            yield from _base64_decodings(run)


def _unescape(text: str) -> str:
    """JSON (`\\u0073`) and Python (`\\x73`) string escapes resolved; other text kept."""
    try:
        return str(json.loads(f'"{text}"'))
    except ValueError:
        pass
    try:
        return codecs.decode(text.encode("latin-1", "backslashreplace"), "unicode_escape")
    except (UnicodeDecodeError, ValueError):
        return text


def _base64_decodings(run: str) -> Iterator[str]:
    """A base64 run decoded at each of its four possible alignments (the encoded secret may start
    anywhere inside a longer run), in both alphabets."""
    body = run.rstrip("=")
    alphabets = [b"-_"] if ("-" in body or "_" in body) else [None]
    if "+" in body or "/" in body:
        alphabets = [None]
    for offset in range(4):
        chunk = body[offset:]
        chunk = chunk[: len(chunk) - len(chunk) % 4] if len(chunk) % 4 == 1 else chunk
        if len(chunk) < 12:
            break
        for altchars in alphabets:
            try:
                decoded = base64.b64decode(chunk + "=" * (-len(chunk) % 4), altchars=altchars)
            except (binascii.Error, ValueError):
                continue
            yield decoded.decode("utf-8", "ignore")
