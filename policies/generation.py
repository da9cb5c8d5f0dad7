"""Generated secrets: drawn strong enough, and only from generators whose value stays a secret.

A `RandomPassword` is judged by the entropy of what it can draw: its length times log2 of its alphabet
(the character classes it enables, or `overrideSpecial`); `RandomBytes` by its bytes. A
`RandomString`, `RandomId`, `RandomPet`, `RandomUuid` or `RandomInteger` keeps its result in plain text
in the state and previews (pulumi-random marks only RandomPassword's `result` and RandomBytes'
outputs secret), so none may feed a secret.
"""

from __future__ import annotations

import math
import re
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies._support import as_number, is_unknown, message, plain, schema, secret_like_key, settings

RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
RANDOM_BYTES = "random:index/randomBytes:RandomBytes"
PLAIN_GENERATORS = (
    "random:index/randomString:RandomString",
    "random:index/randomId:RandomId",
    "random:index/randomPet:RandomPet",
    "random:index/randomUuid:RandomUuid",
    "random:index/randomUuid4:RandomUuid4",
    "random:index/randomInteger:RandomInteger",
)
DEFAULT_SPECIAL = "!@#$%&*()-_=+[]{}<>:?"
"""RandomPassword's special characters when `overrideSpecial` is unset (pulumi-random docs, `special`)."""
SECRET_INPUTS = {
    "kubernetes:core/v1:Secret": ("data", "stringData"),
    "kubernetes:core/v1:SecretPatch": ("data", "stringData"),
    "aws:secretsmanager/secretVersion:SecretVersion": ("secretString", "secretBinary"),
    "aws:ssm/parameter:Parameter": ("value",),
    "azure-native:keyvault:Secret": ("properties",),
    "vault:kv/secretV2:SecretV2": ("dataJson",),
    "vault:generic/secret:Secret": ("dataJson",),
}
"""Inputs that hold a secret value; any top-level input named like a secret (`password`) counts too."""


def _flag(props: dict[str, Any], key: str) -> bool:
    value = props.get(key)
    return True if value is None else value is not False


def password_bits(props: dict[str, Any]) -> float | None:
    """Bits a RandomPassword draws: length x log2(alphabet); None when unknown."""
    length = as_number(props.get("length"))
    if length is None:
        return None
    special = props.get("overrideSpecial")
    if is_unknown(special):
        return None
    alphabet = (
        26 * _flag(props, "upper")
        + 26 * _flag(props, "lower")
        + 10 * (_flag(props, "numeric") and _flag(props, "number"))
        + (len(set(special)) if isinstance(special, str) and special else len(DEFAULT_SPECIAL))
        * _flag(props, "special")
    )
    return length * math.log2(alphabet) if alphabet > 1 else 0.0


def _strength(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in (RANDOM_PASSWORD, RANDOM_BYTES):
        return
    cfg = settings(args, RANDOM_PASSWORD_STRENGTH.config_schema)
    props = plain(args.props)
    if any(is_unknown(props.get(k)) for k in ("length", "upper", "lower", "numeric", "number", "special")):
        return
    length = as_number(props.get("length"))
    if args.resource_type == RANDOM_BYTES:
        bits = None if length is None else length * 8
    else:
        bits = password_bits(props)
    if bits is None:
        return
    problems = []
    if args.resource_type == RANDOM_PASSWORD and length is not None and length < cfg["minLength"]:
        problems.append(f"draws {length:g} characters, fewer than {cfg['minLength']}")
    if bits < cfg["minEntropyBits"]:
        problems.append(f"draws {bits:.0f} bits of entropy, fewer than {cfg['minEntropyBits']}")
    if problems:
        report(
            message(
                f"The generated secret {' and '.join(problems)}, so it can be guessed offline",
                "Raise length, or enable more character classes (upper, lower, numeric, special)",
            ),
            None,
        )


# Source: NIST SP 800-63B (secrets from an approved random generator with at least 112 bits of
# strength for machine use); OWASP ASVS 4.0 V2.9/V6.3 (128 bits for random values); the default here is
# 128 bits.
RANDOM_PASSWORD_STRENGTH = ResourceValidationPolicy(
    name="random-password-strength",
    description="Generated secrets must draw at least minEntropyBits bits from at least minLength characters.",
    validate=_strength,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        minEntropyBits={
            "type": "integer",
            "minimum": 64,
            "default": 128,
            "description": "Fewest bits of entropy a generated secret may draw (length x log2 of its alphabet).",
        },
        minLength={
            "type": "integer",
            "minimum": 8,
            "default": 16,
            "description": "Fewest characters a RandomPassword may draw.",
        },
    ),
    remediation_steps="Draw at least 128 bits: for example 22 characters of upper, lower and numeric.",
)


def _secret_inputs(resource_type: str, props: dict[str, Any]) -> set[str]:
    named = {k for k in props if secret_like_key(k) and not re.search(r"(Arn|Id|Name|Ref)$", k)}
    return set(SECRET_INPUTS.get(resource_type, ())) | named


def _stack_plain_generators(args: StackValidationArgs, report: ReportViolation) -> None:
    reported: set[str] = set()
    for resource in args.resources:
        generated = any(
            generator.resource_type in PLAIN_GENERATORS
            for dependencies in resource.property_dependencies.values()
            for generator in dependencies
        )
        if not generated:
            continue  # no input from a plain generator: its properties are not copied
        inputs = _secret_inputs(resource.resource_type, plain(resource.props))
        for key, dependencies in resource.property_dependencies.items():
            if key not in inputs:
                continue
            for generator in dependencies:
                if generator.resource_type in PLAIN_GENERATORS and generator.urn not in reported:
                    reported.add(generator.urn)
                    report(
                        message(
                            f"The generator's result feeds the secret input {key} of a "
                            f"{resource.resource_type}, but its result is kept in plain text in the state "
                            "and shown in previews",
                            "Draw the value with random.RandomPassword (its result is a secret) with keepers",
                        ),
                        generator.urn,
                    )


# Source: pulumi-random docs ("RandomString: ... identical to random_password with the exception that the
# result is treated as non-sensitive data"; RandomPassword and RandomBytes mark their results secret).
RANDOM_STRING_SECRET_USE = StackValidationPolicy(
    name="random-string-secret-use",
    description="RandomString and other non-secret generators must never feed a secret.",
    validate=_stack_plain_generators,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Replace the RandomString with a RandomPassword.",
)


POLICIES = [RANDOM_PASSWORD_STRENGTH, RANDOM_STRING_SECRET_USE]
