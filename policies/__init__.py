"""The secrets-platform policy pack: one module per concern, importable without starting the pack.

`__main__.py` builds the `PolicyPack` (which blocks serving gRPC); everything else imports
`ALL_POLICIES` or a module's constants. Nothing here imports `components/` or `offline/`.
"""

from __future__ import annotations

from pulumi_policy import Policy

from policies import (
    audit,
    encryption,
    hygiene,
    least_privilege,
    least_privilege_vault,
    retention,
    rotation,
    transport,
)

ALL_POLICIES: list[Policy] = [
    *rotation.POLICIES,
    *least_privilege.POLICIES,
    *encryption.POLICIES,
    *hygiene.POLICIES,
    *transport.POLICIES,
    *least_privilege_vault.POLICIES,
    *audit.POLICIES,
    *retention.POLICIES,
]
"""Every policy of the pack, in report order (by concern)."""

__all__ = ["ALL_POLICIES"]
