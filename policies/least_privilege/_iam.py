"""IAM policy documents read the way IAM evaluates them.

Documents arrive as JSON text or maps. Actions match case-insensitively with `*` and `?` (IAM User
Guide, "IAM JSON policy elements: Action"); `NotAction` allows everything it does not list. A
principal is public in every spelling IAM accepts: `"*"`, `{"AWS": "*"}`, `{"AWS": ["*"]}`, a `*`
inside any principal type, or `NotPrincipal` with `Allow` (everyone but the listed). A condition
narrows a public principal only when it pins who calls or from where, with an operator that fails
when the key is absent (IAM User Guide, "Condition operators": `...IfExists` and `ForAllValues:`
match a missing key).
"""

from __future__ import annotations

import ipaddress
import json
import re
from fnmatch import fnmatchcase
from typing import Any

from policies._support import as_list, is_unknown

SENSITIVE_ACTIONS = (
    "secretsmanager:GetSecretValue",
    "secretsmanager:BatchGetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecret",
    "secretsmanager:PutResourcePolicy",
    "secretsmanager:DeleteSecret",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:CreateGrant",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
)
"""Actions that read a secret, use a key to decrypt one, or take either away."""

_GUARDED_SERVICES = ("secretsmanager", "kms", "ssm")

_RESTRICTING_OPERATORS = {
    "stringequals",
    "stringequalsignorecase",
    "stringlike",
    "arnequals",
    "arnlike",
    "ipaddress",
}
_PRINCIPAL_KEYS = {
    "aws:sourcearn": "arn",
    "aws:sourceaccount": "account",
    "aws:sourceowner": "account",
    "aws:sourceorgid": "account",
    "aws:sourceorgpaths": "account",
    "aws:principalorgid": "account",
    "aws:principalorgpaths": "account",
    "aws:principalaccount": "account",
    "aws:principalarn": "arn",
    "aws:sourcevpc": "account",
    "aws:sourcevpce": "account",
    "aws:sourceip": "ip",
    "aws:userid": "account",
    "kms:calleraccount": "account",
}
"""Condition keys that say who may call or from where (IAM User Guide, "AWS global condition context
keys"; KMS developer guide, "kms:CallerAccount")."""


def policy_document(value: Any) -> dict[str, Any] | None:
    """An IAM policy document given as JSON text or as a map; None when unknown or unreadable."""
    if is_unknown(value) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def statements(document: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(i, s) for i, s in enumerate(as_list(document.get("Statement"))) if isinstance(s, dict)]


def allows(statement: dict[str, Any]) -> bool:
    return str(statement.get("Effect", "")).lower() == "allow"


def action_matches(pattern: Any, action: str) -> bool:
    return isinstance(pattern, str) and fnmatchcase(action.lower(), pattern.lower())


def allowed_actions(statement: dict[str, Any], candidates: tuple[str, ...]) -> list[str]:
    """Which of `candidates` an Allow statement allows (through Action or NotAction)."""
    if not allows(statement):
        return []
    if statement.get("NotAction") is not None:
        excluded = as_list(statement.get("NotAction"))
        return [a for a in candidates if not any(action_matches(p, a) for p in excluded)]
    patterns = as_list(statement.get("Action"))
    return [a for a in candidates if any(action_matches(p, a) for p in patterns)]


def public_principal(statement: dict[str, Any]) -> bool:
    """Whether a statement applies to any AWS principal (anonymous callers included)."""
    if statement.get("NotPrincipal") is not None:
        return allows(statement)
    principal = statement.get("Principal")
    if isinstance(principal, str):
        return "*" in principal
    if isinstance(principal, dict):
        return any(isinstance(v, str) and "*" in v for values in principal.values() for v in as_list(values))
    return False


def _pinned(kind: str, value: Any) -> bool:
    if not isinstance(value, str) or not value or is_unknown(value):
        return False
    if kind == "ip":
        try:
            return ipaddress.ip_network(value, strict=False).prefixlen > 0
        except ValueError:
            return False
    if kind == "arn":
        parts = value.split(":")
        return len(parts) >= 6 and bool(parts[4]) and not re.search(r"[*?]", parts[4])
    return not re.search(r"[*?]", value)


def restricting_condition(statement: dict[str, Any]) -> bool:
    """Whether the statement's Condition pins the caller (account, organization, ARN, network)."""
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return False
    for operator, entries in condition.items():
        op = str(operator).lower()
        if op.startswith("forallvalues:") or op.endswith("ifexists") or not isinstance(entries, dict):
            continue
        if op.split(":")[-1] not in _RESTRICTING_OPERATORS:
            continue
        for key, values in entries.items():
            kind = _PRINCIPAL_KEYS.get(str(key).lower())
            items = as_list(values)
            if kind and items and all(_pinned(kind, v) for v in items):
                return True
    return False


def guarded(action: Any) -> bool:
    return isinstance(action, str) and action.split(":")[0].lower() in _GUARDED_SERVICES
