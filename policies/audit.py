"""Audit: every access to a Vault secret is recorded, and the record never holds a value in clear.

A stack that declares anything on a Vault declares an audit device there too. Vault HMACs every
string of request and response data in its audit entries unless a device logs raw (`log_raw`), or
a mount exempts keys from the HMAC (`audit_non_hmac_request_keys`/`_response_keys`): both would write
secret values to the log in clear.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies._support import as_list, dig, is_unknown, message, plain, schema

AUDIT_DEVICE = "vault:index/audit:Audit"
VAULT_MOUNTS = ("vault:index/mount:Mount", "vault:database/secretsMount:SecretsMount")
VAULT_AUTH_METHODS = ("vault:jwt/authBackend:AuthBackend", "vault:index/authBackend:AuthBackend")
_TRUE = {"true", "1", "t", "yes"}


def _stack_audit_device(args: StackValidationArgs, report: ReportViolation) -> None:
    declared = [r for r in args.resources if r.resource_type.startswith("vault:")]
    if not declared or any(r.resource_type == AUDIT_DEVICE for r in declared):
        return
    first = sorted(declared, key=lambda r: r.urn)[0]
    report(
        message(
            f"The stack declares Vault resources ({len(declared)}, such as {first.resource_type} {first.name}) "
            "but no audit device, so nobody can tell who read which secret",
            "Declare a vault.Audit device (file or socket) with the other Vault resources",
        ),
        first.urn,
    )


# Source: Vault docs, "Audit devices" ("Enable at least one audit device"); HashiCorp's
# "Production hardening" (enable auditing).
VAULT_AUDIT_DEVICE_PRESENT = StackValidationPolicy(
    name="vault-audit-device-present",
    description="A stack that declares Vault resources must declare a Vault audit device.",
    validate=_stack_audit_device,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Declare a vault.Audit device with log_raw off.",
)


def _flag(value: object) -> bool | None:
    if value is None or is_unknown(value):
        return None
    return str(value).strip().lower() in _TRUE


def _audit_hmac(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = plain(args.props)
    if args.resource_type == AUDIT_DEVICE:
        options = props.get("options") or {}
        if not isinstance(options, dict):
            return
        if _flag(options.get("log_raw")):
            report(
                message(
                    "The audit device logs raw (log_raw is true), so every secret value read or written "
                    "is written to the audit log in clear",
                    "Set log_raw to false (the default), so values are HMAC'd",
                ),
                None,
            )
        if _flag(options.get("hmac_accessor")) is False:
            report(
                message(
                    "The audit device logs token accessors in clear (hmac_accessor is false), so anyone "
                    "reading the log can revoke or look up those tokens",
                    "Set hmac_accessor to true (the default)",
                ),
                None,
            )
        return
    if args.resource_type in VAULT_MOUNTS:
        keys = as_list(props.get("auditNonHmacRequestKeys")) + as_list(props.get("auditNonHmacResponseKeys"))
    elif args.resource_type in VAULT_AUTH_METHODS:
        tune = dig(props, "tune") or {}
        keys = as_list(dig(tune, "auditNonHmacRequestKeys")) + as_list(dig(tune, "auditNonHmacResponseKeys"))
    else:
        return
    keys = [str(k) for k in keys if not is_unknown(k)]
    if keys:
        report(
            message(
                f"The mount exempts keys from the audit HMAC ({', '.join(sorted(set(keys)))}), so their values "
                "are written to the audit log in clear",
                "Remove audit_non_hmac_request_keys and audit_non_hmac_response_keys",
            ),
            None,
        )


# Source: Vault docs, "Audit devices" ("Sensitive information ... is hashed with a salt using HMAC-SHA256";
# `log_raw`, `hmac_accessor`) and "sys/mounts" (`audit_non_hmac_request_keys`).
VAULT_AUDIT_DEVICE_HMAC = ResourceValidationPolicy(
    name="vault-audit-device-hmac",
    description="Vault audit logs must HMAC every secret value and token accessor, never log them in clear.",
    validate=_audit_hmac,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(),
    remediation_steps="Keep log_raw off and hmac_accessor on; exempt no key from the HMAC.",
)


POLICIES = [VAULT_AUDIT_DEVICE_PRESENT, VAULT_AUDIT_DEVICE_HMAC]
