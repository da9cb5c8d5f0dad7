"""The secrets-platform policy pack: one module per concern, importable without starting the pack.

`__main__.py` builds the `PolicyPack` (which blocks serving gRPC); everything else imports
`ALL_POLICIES` or a module's constants. Nothing here imports `components/` or `offline/`.
"""

from __future__ import annotations

from pulumi_policy import Policy

from policies import (
    audit,
    encryption,
    exposure,
    generation,
    hygiene,
    images,
    least_privilege,
    retention,
    rotation,
    transport,
    workloads,
)

CONCERNS = [
    rotation,
    least_privilege,
    workloads,
    images,
    encryption,
    hygiene,
    generation,
    transport,
    exposure,
    audit,
    retention,
]
"""The pack's concerns, in report order; each module (or package) lists its policies in `POLICIES`."""

ALL_POLICIES: list[Policy] = [policy for concern in CONCERNS for policy in concern.POLICIES]
"""Every policy of the pack, in report order (by concern)."""

__all__ = ["ALL_POLICIES", "CONCERNS"]
