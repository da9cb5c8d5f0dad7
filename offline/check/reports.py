"""The check's three reports: the text a person reads, `violations.json`, and SARIF 2.1.0 for code scanning.

SARIF follows the OASIS SARIF 2.1.0 schema (`tests/offline/schemas/` vendors it; a test validates
every written file against it). Each rule carries GitHub code scanning's `security-severity`, a
score from 0.1 to 10.0 that code scanning shows as low (0.1-3.9), medium (4.0-6.9), high
(7.0-8.9) or critical (9.0-10.0), and the `security` tag that makes code scanning treat the
results as security alerts (docs.github.com, "SARIF support for code scanning": reportingDescriptor
`properties`).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, TextIO

from offline.check.policy_config import Level
from offline.check.result import CheckResult, Redactor, Violation
from offline.plan import Plan

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
"""The `$schema` of a SARIF 2.1.0 log: the OASIS schema's own id (errata 01, the current text)."""
REPORT_FORMAT = "secrets-platform/violations"
REPORT_VERSION = 1
PLAN_FILE = "plan.json"
VIOLATIONS_FILE = "violations.json"
SARIF_FILE = "violations.sarif"

SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
"""A policy's severity as code scanning's `security-severity` score (the middle of each band)."""
LEVEL_SEVERITY = {Level.MANDATORY: "medium", Level.REMEDIATE: "medium", Level.ADVISORY: "low"}
"""The severity of a policy that declares none, from its enforcement level."""


def security_severity(severity: str, level: str) -> str:
    """The `security-severity` score of a rule: its declared severity, else its level's."""
    return SECURITY_SEVERITY[severity if severity in SECURITY_SEVERITY else LEVEL_SEVERITY.get(level, "low")]


def short_name(urn: str) -> str:
    """`<type> <name>` of a URN: what a person reads; `--urns` shows the whole URN."""
    _, _, qualified, name = urn.split("::", 3)
    return f"{qualified.rsplit('$', 1)[-1]} {name}"


def render(result: CheckResult, out: TextIO = sys.stdout, *, urns: bool = False) -> None:
    """Violations grouped by policy (mandatory first), each with its resource and remediation.

    The text is redacted again on its way out, whatever produced the violations.
    """
    lines = [
        f"Policy check of stack {result.stack}: pack {result.pack['name']} {result.pack['version']}, "
        f"{len(result.policies)} policies and checks, {result.resource_count} resources",
        f"policy config: {result.pack.get('config', 'schema defaults')}",
    ]
    groups: dict[tuple[str, str], list[Violation]] = defaultdict(list)
    for violation in result.violations:
        groups[(violation.level, violation.policy)].append(violation)
    for (level, policy), violations in sorted(
        groups.items(), key=lambda g: (g[0][0] != Level.MANDATORY, g[0][1])
    ):
        lines += ["", f"{level.upper()}  {policy}  ({len(violations)})  {violations[0].description}"]
        for violation in violations:
            where = violation.urn if urns or not violation.urn else short_name(violation.urn)
            lines += [f"  - {where or '(stack)'}", f"      {violation.message}"]
        if violations[0].remediation:
            lines.append(f"  remediation: {violations[0].remediation}")
    mandatory = len(result.mandatory)
    advisory = len(result.violations) - mandatory
    verdict = "FAILED" if mandatory else "passed"
    lines += [
        "",
        f"{verdict}: {mandatory} mandatory and {advisory} advisory violation(s) in stack {result.stack}",
    ]
    out.write(Redactor()("\n".join(lines) + "\n"))


def to_json(result: CheckResult) -> dict[str, Any]:
    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "project": result.project,
        "stack": result.stack,
        "policyPack": result.pack,
        "summary": {
            "mandatory": len(result.mandatory),
            "advisory": len(result.violations) - len(result.mandatory),
            "resources": result.resource_count,
        },
        "policies": result.policies,
        "violations": [
            {
                "policy": v.policy,
                "enforcementLevel": v.level,
                "severity": v.severity,
                "urn": v.urn,
                "resourceType": v.resource_type,
                "message": v.message,
                "description": v.description,
                "remediation": v.remediation,
                "source": v.source,
            }
            for v in result.violations
        ],
    }


def to_sarif(result: CheckResult) -> dict[str, Any]:
    """SARIF 2.1.0: one rule per policy, one result per violation, located by URN and stack file."""
    names = sorted(result.policies)
    rules = [
        {
            "id": name,
            "name": "".join(part.capitalize() for part in name.split("-")),
            "shortDescription": {"text": result.policies[name]["description"]},
            "help": {"text": result.policies[name]["remediation"] or result.policies[name]["description"]},
            "defaultConfiguration": {"level": _sarif_level(result.policies[name]["level"])},
            "properties": {
                "tags": ["security", "secrets-platform", result.policies[name].get("source", "policy-pack")],
                "severity": result.policies[name]["severity"],
                "security-severity": security_severity(
                    result.policies[name]["severity"], result.policies[name]["level"]
                ),
            },
        }
        for name in names
    ]
    results = [
        {
            "ruleId": v.policy,
            "ruleIndex": names.index(v.policy) if v.policy in names else -1,
            "level": _sarif_level(v.level),
            "message": {"text": v.message},
            "locations": [
                {
                    # The stack file is what the stack's owner edits; code scanning needs a region to
                    # show an alert, and the violation is the stack's as a whole: its first line.
                    "physicalLocation": {
                        "artifactLocation": {"uri": f"Pulumi.{result.stack}.yaml"},
                        "region": {"startLine": 1},
                    },
                    "logicalLocations": [
                        {
                            "fullyQualifiedName": v.urn or f"stack {result.stack}",
                            "name": v.urn.rsplit("::", 1)[-1] if v.urn else result.stack,
                            "kind": "resource",
                        }
                    ],
                }
            ],
            "properties": {"resourceType": v.resource_type, "enforcementLevel": v.level, "source": v.source},
        }
        for v in result.violations
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "secrets-platform check",
                        "version": result.pack["version"],
                        "informationUri": "https://www.pulumi.com/docs/using-pulumi/crossguard/",
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"secrets-platform-check/{result.stack}"},
                "results": results,
            }
        ],
    }


def _sarif_level(level: str) -> str:
    return {Level.MANDATORY: "error", Level.REMEDIATE: "error", Level.ADVISORY: "warning"}.get(level, "note")


def write_reports(result: CheckResult, out_dir: Path, plan: Plan | None = None) -> list[Path]:
    """`violations.json`, `violations.sarif` and, given the check's plan, `plan.json` (the plan of the
    same run: `diff` reads it instead of running the program again)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    redact = Redactor()
    written = []
    for name, doc in ((VIOLATIONS_FILE, to_json(result)), (SARIF_FILE, to_sarif(result))):
        path = out_dir / name
        path.write_text(json.dumps(redact(doc), indent=1, sort_keys=False) + "\n", encoding="utf-8")
        written.append(path)
    if plan is not None:
        # The plan holds no secret value by construction (masked, checked for leaks when it was made).
        path = out_dir / PLAN_FILE
        path.write_text(plan.dumps(), encoding="utf-8")
        written.append(path)
    return written
