"""What a check found (`Violation`, `CheckResult`) and the redaction every text passes on its way out.

Like the engine, the check hands the pack unmasked inputs: here they are the plan's placeholders
and generated canaries, never a real secret. Every text the check prints or writes is redacted all
the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from offline.check.policy_config import Level
from offline.leaks import CANARY, LeakScanner
from offline.plan import MASK, Plan, input_leaves
from offline.runtime import Capture


class Source(StrEnum):
    """Who reported a violation: the policy pack, or an `offline-*` check of the plan."""

    PACK = "policy-pack"
    OFFLINE = "offline"


@dataclass
class Violation:
    """One diagnostic: from the pack (`source: policy-pack`) or from an offline check."""

    policy: str
    level: Level
    """`mandatory` or `advisory` (the level the pack reported, after the stack's policy config)."""
    urn: str
    resource_type: str
    message: str
    """What is wrong and how to fix it (the description line of the pack's message removed)."""
    description: str
    remediation: str
    source: Source = Source.PACK
    severity: str = ""


@dataclass
class CheckResult:
    """Everything a check found, ready to print and to write."""

    project: str
    stack: str
    pack: dict[str, Any]
    violations: list[Violation]
    policies: dict[str, dict[str, Any]]
    """Policy name -> description, remediation, level and severity (offline checks included)."""
    resource_count: int = 0
    stats: dict[str, float] = field(default_factory=dict)
    plan: Plan | None = None
    """The plan of the same run (`check --out` writes it as plan.json), when asked for."""

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == Level.MANDATORY]


class Redactor:
    """Replaces placeholders, canaries and every secret input value with `[secret]`."""

    def __init__(self, capture: Capture | None = None) -> None:
        exact: set[str] = set()
        if capture is not None:
            exact |= {v for v in capture.secret_outputs if isinstance(v, str) and len(v) >= 8}
            for reg in capture.resources:
                exact.update(
                    value
                    for _, value in input_leaves(reg).secret_leaves
                    if isinstance(value, str) and len(value) >= 8
                )
        self.exact = sorted(exact, key=len, reverse=True)
        self.scanner = LeakScanner(exact)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            for secret in self.exact:
                value = value.replace(secret, MASK)
            value = CANARY.sub(MASK, value)
            # Whatever is left in another form (hex, base64, upper-cased, escaped) takes the string.
            return MASK if self.scanner.found_in(value) else value
        if isinstance(value, dict):
            return {self(k): self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value
