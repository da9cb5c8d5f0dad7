"""The output guard: the last line of defence of every text `diff` prints or writes.

Nothing the diff prints or writes holds a value, a ciphertext or a hash; the rendered text is checked
for placeholders, generated canaries and the ciphertexts it compared before it leaves.
"""

from __future__ import annotations

import re

from offline.leaks import CANARY, LeakScanner
from offline.plan import MASK

CIPHERTEXT = re.compile(r"\bv1:[A-Za-z0-9+/]{12,}={0,2}:[A-Za-z0-9+/]{16,}={0,2}")
"""A `secure:` value of the passphrase or a cloud secrets provider (`v1:<nonce>:<ciphertext>`)."""


def guard(text: str, forbidden: list[str] | None = None) -> str:
    """No placeholder, canary or ciphertext leaves, whatever produced the text."""
    for secret in sorted(forbidden or [], key=len, reverse=True):
        if len(secret) >= 8:
            text = text.replace(secret, MASK)
    text = CIPHERTEXT.sub(MASK, CANARY.sub(MASK, text))
    # A line still holding one in another form (hex, base64, upper-cased, escaped) is withheld whole.
    scanner = LeakScanner(forbidden or [])
    return "\n".join(
        "(a line withheld: it held secret material)" if scanner.found_in(line) else line
        for line in text.split("\n")
    )
