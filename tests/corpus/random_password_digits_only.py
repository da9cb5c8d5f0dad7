"""A generated PIN-like secret: 24 digits draw 80 bits."""

from __future__ import annotations

import pulumi_random as random

EXPECTED = {"random-password-strength"}


def program() -> None:
    random.RandomPassword(
        "pairing-code", length=24, upper=False, lower=False, special=False, keepers={"version": "1"}
    )
