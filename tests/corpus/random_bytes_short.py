"""A generated signing key of 8 bytes: 64 bits."""

from __future__ import annotations

import pulumi_random as random

EXPECTED = {"random-password-strength"}


def program() -> None:
    random.RandomBytes("signing-key", length=8, keepers={"version": "1"})
