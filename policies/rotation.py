"""Rotation: every secret and key of the stack is replaced on a schedule no longer than allowed.

A value that never changes is a value whose leak never ends. Each store has its own mechanism
(Secrets Manager rotation, KMS and Key Vault key rotation, Key Vault expiry, the keepers of a
generated value, the platform's rotation annotation on Kubernetes Secrets, the refresh of an
ExternalSecret that copies a rotated value into the cluster); the stack policy at the end proves that
no secret of the stack is left without one.
"""

from __future__ import annotations

import re
import time
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies._kubernetes import with_manifests
from policies._support import (
    MANAGED_BY_LABEL,
    ROTATION_ANNOTATION,
    as_list,
    as_number,
    dig,
    go_duration_seconds,
    is_unknown,
    iso_duration_days,
    known,
    message,
    plain,
    schema,
    settings,
    string_list,
    unknown_at,
)

SECRETSMANAGER_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
SECRETSMANAGER_SECRET = "aws:secretsmanager/secret:Secret"
KMS_KEY = "aws:kms/key:Key"
KEYVAULT_KEY = "azure-native:keyvault:Key"
KEYVAULT_SECRET = "azure-native:keyvault:Secret"
K8S_SECRET = "kubernetes:core/v1:Secret"
GENERATORS = ("random:index/randomPassword:RandomPassword", "random:index/randomBytes:RandomBytes")
EXTERNAL_SECRETS = (
    "kubernetes:external-secrets.io/v1:ExternalSecret",
    "kubernetes:external-secrets.io/v1beta1:ExternalSecret",
)
AWS_ACCESS_KEY = "aws:iam/accessKey:AccessKey"

KMS_DEFAULT_ROTATION_DAYS = 365
"""Period KMS uses when `rotationPeriodInDays` is not set (KMS developer guide, "Rotating keys")."""
ESO_DEFAULT_REFRESH_INTERVAL = "1h"
"""What ESO uses when `spec.refreshInterval` is not set (ExternalSecret API reference: 1h0m0s)."""
ESO_NON_PERIODIC_POLICIES = ("CreatedOnce", "OnChange")
"""`spec.refreshPolicy` values under which ESO never re-reads on a timer (ExternalSecret API reference)."""


def _max_days(default: int, what: str) -> dict[str, Any]:
    return {
        "type": "integer",
        "minimum": 1,
        "maximum": 3650,
        "default": default,
        "description": f"Longest time, in days, {what}.",
    }


# --- Secrets Manager ---------------------------------------------------------------------------

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(day|days|hour|hours)\s*\)$")


def _field_gap(field: str, every: int) -> int:
    """Longest gap, in units, between matches of one cron field (`*`, `*/k`, `a,b`, `a-b`, `n`)."""
    if field in ("*", "?"):
        return 1
    if field.startswith("*/") and field[2:].isdigit():
        return int(field[2:])
    return every


def schedule_days(expression: str) -> float | None:
    """Longest interval, in days, of a Secrets Manager schedule (`rate(...)` or 6-field `cron(...)`).

    For a cron expression the bound is conservative: a restricted month field counts as yearly
    (unless it steps, `*/k`), a day-of-month as monthly, a day-of-week as weekly.
    """
    expression = expression.strip()
    rate = _RATE.match(expression)
    if rate:
        amount = int(rate.group(1))
        return amount if rate.group(2).startswith("day") else amount / 24
    if expression.startswith("cron(") and expression.endswith(")"):
        fields = expression[5:-1].split()
        if len(fields) != 6:
            return None
        _, _, day_of_month, month, day_of_week, _ = fields
        months = _field_gap(month, 12)
        if months > 1:
            return months * 31
        if day_of_week not in ("*", "?"):
            return 7
        return _field_gap(day_of_month, 31)
    return None


def _secretsmanager_rotation_schedule(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != SECRETSMANAGER_ROTATION:
        return
    cfg = settings(args, AWS_SECRETSMANAGER_ROTATION_SCHEDULE.config_schema)
    props = plain(args.props)
    if any(unknown_at(props, "rotationRules", k) for k in ("automaticallyAfterDays", "scheduleExpression")):
        return
    rules = props.get("rotationRules")
    after = dig(rules, "automaticallyAfterDays")
    expression = dig(rules, "scheduleExpression")
    days = as_number(after)
    if days is None and isinstance(expression, str):
        days = schedule_days(expression)
        if days is None:
            report(
                message(
                    "The rotation schedule is neither rate(N days) nor a 6-field cron expression",
                    "Write the schedule as rate(N days) or cron(minutes hours day month weekday year)",
                ),
                None,
            )
            return
    if days is None:
        report(
            message(
                "The rotation has no schedule",
                f"Set rotation_rules.automatically_after_days (at most {cfg['maxRotationDays']}) or a "
                "schedule_expression",
            ),
            None,
        )
    elif days > cfg["maxRotationDays"]:
        report(
            message(
                f"The secret rotates only every {days:g} days, longer than the {cfg['maxRotationDays']} allowed",
                f"Rotate at least every {cfg['maxRotationDays']} days (rotation_rules)",
            ),
            None,
        )


# Source: checkov CKV_AWS_304 ("Secrets Manager secrets should be rotated within 90 days").
AWS_SECRETSMANAGER_ROTATION_SCHEDULE = ResourceValidationPolicy(
    name="aws-secretsmanager-rotation-schedule",
    description="Secrets Manager rotations must run at least every maxRotationDays days.",
    validate=_secretsmanager_rotation_schedule,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(maxRotationDays=_max_days(90, "between two rotations of a secret")),
    remediation_steps="Set rotation_rules.automatically_after_days (or a rate/cron schedule) within the limit.",
)


# --- KMS ---------------------------------------------------------------------------------------


def _rotatable_kms_key(props: dict[str, Any]) -> bool:
    """KMS rotates symmetric encryption keys only (no asymmetric, HMAC or imported material)."""
    spec = props.get("customerMasterKeySpec") or props.get("keySpec") or "SYMMETRIC_DEFAULT"
    return spec == "SYMMETRIC_DEFAULT" or is_unknown(spec)


def _kms_key_rotation(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != KMS_KEY:
        return
    cfg = settings(args, AWS_KMS_KEY_ROTATION.config_schema)
    props = plain(args.props)
    if not _rotatable_kms_key(props):
        return
    enabled = props.get("enableKeyRotation")
    if is_unknown(enabled):
        return
    if enabled is not True:
        report(
            message(
                "Automatic rotation of this key is off",
                f"Set enable_key_rotation=True and rotation_period_in_days to at most {cfg['maxRotationDays']}",
            ),
            None,
        )
        return
    period = props.get("rotationPeriodInDays")
    if is_unknown(period):
        return
    days = as_number(period) or KMS_DEFAULT_ROTATION_DAYS
    if days > cfg["maxRotationDays"]:
        report(
            message(
                f"The key rotates every {days:g} days, longer than the {cfg['maxRotationDays']} allowed",
                f"Set rotation_period_in_days to at most {cfg['maxRotationDays']}",
            ),
            None,
        )


# Source: CIS AWS Foundations Benchmark v1.5.0, 3.8 ("Ensure rotation for customer created symmetric
# CMKs is enabled"); checkov CKV_AWS_7.
AWS_KMS_KEY_ROTATION = ResourceValidationPolicy(
    name="aws-kms-key-rotation",
    description="KMS keys must rotate automatically at least every maxRotationDays days.",
    validate=_kms_key_rotation,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(maxRotationDays=_max_days(365, "between two rotations of a KMS key")),
    remediation_steps="Set enable_key_rotation=True and rotation_period_in_days within the limit.",
)


# --- Key Vault ---------------------------------------------------------------------------------


def key_rotation_interval(policy: Any) -> float | None:
    """Days from a key version's creation to its rotation under a Key Vault rotation policy.

    A `Rotate` action fires `timeAfterCreate` after creation, or `timeBeforeExpiry` before the
    expiry the policy gives new versions (`attributes.expiryTime`); the earliest trigger counts.
    """
    expiry = iso_duration_days(dig(policy, "attributes", "expiryTime"))
    intervals = []
    for action in as_list(dig(policy, "lifetimeActions")):
        if str(dig(action, "action", "type") or "").lower() != "rotate":
            continue
        after_create = iso_duration_days(dig(action, "trigger", "timeAfterCreate"))
        before_expiry = iso_duration_days(dig(action, "trigger", "timeBeforeExpiry"))
        if after_create is not None:
            intervals.append(after_create)
        elif before_expiry is not None and expiry is not None:
            intervals.append(expiry - before_expiry)
    return min(intervals) if intervals else None


def _keyvault_key_rotation_policy(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != KEYVAULT_KEY:
        return
    cfg = settings(args, AZURE_KEYVAULT_KEY_ROTATION_POLICY.config_schema)
    props = plain(args.props)
    if unknown_at(props, "properties", "rotationPolicy"):
        return
    policy = dig(props, "properties", "rotationPolicy")
    limit = cfg["maxRotationDays"]
    if not isinstance(policy, dict):
        report(
            message(
                "The key has no rotation policy",
                f"Set properties.rotation_policy with a Rotate lifetime action at most {limit} days after "
                "creation (or before an expiry_time)",
            ),
            None,
        )
        return
    days = key_rotation_interval(policy)
    if days is None:
        report(
            message(
                "The key's rotation policy has no Rotate action with a time_after_create, or a "
                "time_before_expiry together with attributes.expiry_time",
                f"Add a Rotate lifetime action that fires at most {limit} days after a version is created",
            ),
            None,
        )
    elif days > limit:
        report(
            message(
                f"The key rotates {days:g} days after each version is created, longer than the {limit} allowed",
                f"Shorten the rotation policy so a new version is created within {limit} days",
            ),
            None,
        )


# Source: CIS Microsoft Azure Foundations Benchmark, Key Vault, "Enable Automatic Key Rotation within
# Azure Key Vault for the Supported Services".
AZURE_KEYVAULT_KEY_ROTATION_POLICY = ResourceValidationPolicy(
    name="azure-keyvault-key-rotation-policy",
    description="Key Vault keys must have a rotation policy that rotates them within maxRotationDays days.",
    validate=_keyvault_key_rotation_policy,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(maxRotationDays=_max_days(365, "from a key version's creation to its rotation")),
    remediation_steps="Give the key a rotation_policy with a Rotate lifetime action within the limit.",
)


def _keyvault_secret_expiry(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != KEYVAULT_SECRET:
        return
    cfg = settings(args, AZURE_KEYVAULT_SECRET_EXPIRY.config_schema)
    props = plain(args.props)
    if unknown_at(props, "properties", "attributes", "expires"):
        return
    expires = as_number(dig(props, "properties", "attributes", "expires"))
    limit = cfg["maxRotationDays"]
    if expires is None:
        report(
            message(
                "The secret has no expiry date",
                f"Set properties.attributes.expires (seconds since the epoch) at most {limit} days ahead, "
                "and rotate the value before it",
            ),
            None,
        )
        return
    days_left = (expires - time.time()) / 86400
    if days_left > limit:
        report(
            message(
                f"The secret expires in {days_left:.0f} days, later than the {limit} allowed",
                f"Set properties.attributes.expires at most {limit} days ahead",
            ),
            None,
        )


# Source: CIS Microsoft Azure Foundations Benchmark, Key Vault, "Ensure that the Expiration Date is set
# for all Secrets"; checkov CKV_AZURE_41.
AZURE_KEYVAULT_SECRET_EXPIRY = ResourceValidationPolicy(
    name="azure-keyvault-secret-expiry",
    description="Key Vault secrets must expire within maxRotationDays days.",
    validate=_keyvault_secret_expiry,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    config_schema=schema(maxRotationDays=_max_days(365, "a Key Vault secret may stay valid")),
    remediation_steps="Set properties.attributes.expires and rotate the secret before it expires.",
)


# --- generated values --------------------------------------------------------------------------


def _generated_keepers(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in GENERATORS:
        return
    keepers = plain(args.props).get("keepers")
    if is_unknown(keepers):
        return
    if not isinstance(keepers, dict) or not keepers:
        report(
            message(
                "The generated value has no keepers, so nothing can ever make it draw a new value",
                "Set keepers (for example {'version': '<n>'}) and change them to rotate",
            ),
            None,
        )


# Source: pulumi-random docs ("keepers: arbitrary map of values that, when changed, will trigger
# recreation of resource").
RANDOM_PASSWORD_KEEPERS = ResourceValidationPolicy(
    name="random-password-keepers",
    description="Generated secrets must have keepers, the trigger that rotates them.",
    validate=_generated_keepers,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    config_schema=schema(),
    remediation_steps="Pass keepers={'version': ...} and bump the version to rotate.",
)


# --- Kubernetes Secrets ------------------------------------------------------------------------


def _rotation_annotation_days(props: dict[str, Any]) -> float | str | None:
    """The annotation's days; None when absent; 'invalid' when not a positive integer."""
    annotations = dig(props, "metadata", "annotations")
    if not isinstance(annotations, dict) or ROTATION_ANNOTATION not in annotations:
        return None
    days = as_number(annotations[ROTATION_ANNOTATION])
    if days is None or days < 1 or days != int(days):
        return "invalid"
    return days


def _kubernetes_secret_rotation(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != K8S_SECRET:
        return
    cfg = settings(args, KUBERNETES_SECRET_ROTATION_ANNOTATION.config_schema)
    props = plain(args.props)
    if unknown_at(props, "metadata", "annotations", ROTATION_ANNOTATION):
        return
    if dig(props, "metadata", "labels", MANAGED_BY_LABEL) not in cfg["managedBy"]:
        return
    limit = cfg["maxRotationDays"]
    days = _rotation_annotation_days(props)
    if days is None:
        report(
            message(
                f"The platform-managed Secret has no {ROTATION_ANNOTATION} annotation",
                f"Annotate it with {ROTATION_ANNOTATION}: '<days>' (at most {limit})",
            ),
            None,
        )
    elif days == "invalid":
        report(
            message(
                f"The {ROTATION_ANNOTATION} annotation is not a positive whole number of days",
                f"Set {ROTATION_ANNOTATION} to a whole number of days between 1 and {limit}",
            ),
            None,
        )
    elif isinstance(days, float) and days > limit:
        report(
            message(
                f"The Secret may live {days:g} days before rotation, longer than the {limit} allowed",
                f"Lower the secret's rotationDays to at most {limit}",
            ),
            None,
        )


KUBERNETES_SECRET_ROTATION_ANNOTATION = ResourceValidationPolicy(
    name="kubernetes-secret-rotation-annotation",
    description=f"Platform-managed Kubernetes Secrets must declare a {ROTATION_ANNOTATION} of at most "
    "maxRotationDays.",
    validate=with_manifests(_kubernetes_secret_rotation),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    config_schema=schema(
        maxRotationDays=_max_days(365, "a platform-managed Kubernetes Secret may live before rotation"),
        managedBy=string_list(
            ["secrets-platform"],
            f"Values of the {MANAGED_BY_LABEL} label that mark a Secret as the platform's.",
        ),
    ),
    remediation_steps=f"Annotate the Secret with {ROTATION_ANNOTATION} within the limit and rotate by version.",
)


# --- External Secrets ----------------------------------------------------------------------------

_TARGET_TEMPLATE = ("spec", "target", "template")


def _externalsecret_refresh(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in EXTERNAL_SECRETS:
        return
    cfg = settings(args, KUBERNETES_EXTERNALSECRET_REFRESH_INTERVAL.config_schema)
    props = plain(args.props)
    if any(
        unknown_at(props, *path)
        for path in (
            (*_TARGET_TEMPLATE, "metadata", "annotations", ROTATION_ANNOTATION),
            (*_TARGET_TEMPLATE, "metadata", "labels", MANAGED_BY_LABEL),
            ("metadata", "labels", MANAGED_BY_LABEL),
            ("spec", "refreshInterval"),
            ("spec", "refreshPolicy"),
        )
    ):
        return
    template = dig(props, *_TARGET_TEMPLATE)
    days = _rotation_annotation_days(template if isinstance(template, dict) else {})
    where = f"spec.target.template.metadata.annotations[{ROTATION_ANNOTATION}]"
    if days is None:
        managed = {dig(props, "metadata", "labels", MANAGED_BY_LABEL)} | {
            dig(template, "metadata", "labels", MANAGED_BY_LABEL)
        }
        if managed & set(cfg["managedBy"]):
            report(
                message(
                    f"The platform's ExternalSecret gives its target Secret no {ROTATION_ANNOTATION} "
                    "annotation, so neither its refresh nor the Secret's age can be judged",
                    f"Set {where} to the secret's rotation period in days",
                ),
                None,
            )
        return
    if days == "invalid":
        report(
            message(
                f"The target's {ROTATION_ANNOTATION} annotation is not a positive whole number of days",
                f"Set {where} to a whole number of days",
            ),
            None,
        )
        return
    assert isinstance(days, float)
    policy = dig(props, "spec", "refreshPolicy")
    if policy in ESO_NON_PERIODIC_POLICIES:
        report(
            message(
                f"refreshPolicy {next(p for p in ESO_NON_PERIODIC_POLICIES if p == policy)} never "
                f"re-reads the secret, so a value rotated every {days:g} days stays stale in the cluster",
                "Set spec.refreshPolicy to Periodic (or leave it unset) with a refreshInterval shorter "
                "than the rotation period",
            ),
            None,
        )
        return
    raw = dig(props, "spec", "refreshInterval")
    interval = ESO_DEFAULT_REFRESH_INTERVAL if raw is None else raw
    seconds = go_duration_seconds(interval)
    limit_hours = days * 24 * cfg["maxRefreshFraction"]
    fix = f"Set spec.refreshInterval to a Go duration shorter than {limit_hours:g}h (such as 1h)"
    if seconds is None:
        report(message("refreshInterval is not a Go duration such as 1h or 30m", fix), None)
    elif seconds <= 0:
        report(
            message(
                f"refreshInterval turns the periodic refresh off, so a value rotated every {days:g} days stays "
                "stale in the cluster",
                fix,
            ),
            None,
        )
    elif seconds >= limit_hours * 3600:
        report(
            message(
                f"refreshInterval is not shorter than {limit_hours:g}h, so pods may keep a value the "
                f"{days:g}-day rotation has already replaced",
                fix,
            ),
            None,
        )


# Source: External Secrets docs, ExternalSecret API ("refreshInterval: the amount of time before the
# values are read again from the SecretStore provider", default 1h; 0 and the CreatedOnce/OnChange
# policies never re-read). A refresh as long as the rotation leaves the Secret a rotation behind.
KUBERNETES_EXTERNALSECRET_REFRESH_INTERVAL = ResourceValidationPolicy(
    name="kubernetes-externalsecret-refresh-interval",
    description=f"ExternalSecrets must refresh more often than the {ROTATION_ANNOTATION} of their target "
    "Secret.",
    validate=with_manifests(_externalsecret_refresh),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    config_schema=schema(
        maxRefreshFraction={
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 1,
            "default": 1,
            "description": "refreshInterval must be shorter than this fraction of the target's rotation "
            "period (1: shorter than the period itself).",
        },
        managedBy=string_list(
            ["secrets-platform"],
            f"Values of the {MANAGED_BY_LABEL} label that mark an ExternalSecret as the "
            f"platform's, which must declare its target's {ROTATION_ANNOTATION}.",
        ),
    ),
    remediation_steps="Set spec.refreshInterval (a Go duration) shorter than the target's rotation period, "
    "with refreshPolicy Periodic.",
)


# --- the stack: every secret has a rotation mechanism --------------------------------------------


def _rotating_generator(resource: PolicyResource) -> bool:
    keepers = plain(resource.props).get("keepers")
    return resource.resource_type in GENERATORS and isinstance(keepers, dict) and bool(keepers)


_UNKNOWN_MEANS_COVERED = {
    K8S_SECRET: ("metadata", "annotations", ROTATION_ANNOTATION),
    KEYVAULT_SECRET: ("properties", "attributes", "expires"),
    KMS_KEY: ("enableKeyRotation",),
    KEYVAULT_KEY: ("properties", "rotationPolicy"),
    GENERATORS[0]: ("keepers",),
    GENERATORS[1]: ("keepers",),
    EXTERNAL_SECRETS[0]: ("spec", "refreshInterval"),
    EXTERNAL_SECRETS[1]: ("spec", "refreshInterval"),
}
"""Where each kind keeps its rotation setting; while that is unknown, the preview cannot judge it."""


def _uncovered_reason(
    resource: PolicyResource, rotations: dict[str, PolicyResource], unlinked: bool
) -> str | None:
    """Why a secret-holding resource has no rotation mechanism; None when it has one (or is no secret).

    `unlinked` says some SecretRotation rotates a secret the preview cannot name yet.
    """
    kind = resource.resource_type
    props = plain(resource.props)
    if kind in _UNKNOWN_MEANS_COVERED and unknown_at(props, *_UNKNOWN_MEANS_COVERED[kind]):
        return None
    if kind == K8S_SECRET:
        if str(props.get("type", "")) == "kubernetes.io/service-account-token":
            return None  # the token controller issues and invalidates these
        if isinstance(_rotation_annotation_days(props), float):
            return None
        sources = [d for deps in resource.property_dependencies.values() for d in deps] + list(
            resource.dependencies
        )
        if any(_rotating_generator(d) for d in sources):
            return None
        return (
            f"it has no {ROTATION_ANNOTATION} annotation and its data does not come from a generator "
            "with keepers"
        )
    if kind == SECRETSMANAGER_SECRET:
        return None if resource.urn in rotations or unlinked else "no SecretRotation rotates it"
    if kind == KEYVAULT_SECRET:
        return None if known(dig(props, "properties", "attributes", "expires")) else "it never expires"
    if kind == KMS_KEY:
        if not _rotatable_kms_key(props) or props.get("enableKeyRotation") is True:
            return None
        return "its automatic rotation is off"
    if kind == KEYVAULT_KEY:
        return (
            None
            if key_rotation_interval(dig(props, "properties", "rotationPolicy"))
            else "no rotation policy"
        )
    if kind in GENERATORS:
        return None if _rotating_generator(resource) else "it has no keepers"
    if kind in EXTERNAL_SECRETS:
        interval = str(dig(props, "spec", "refreshInterval") or "")
        return None if interval and interval not in ("0", "0s") else "its refreshInterval is off"
    if kind == AWS_ACCESS_KEY:
        return "an IAM access key is a long-lived credential that nothing rotates"
    return None


def _stack_rotation_coverage(args: StackValidationArgs, report: ReportViolation) -> None:
    rotations: dict[str, PolicyResource] = {}
    unlinked = False
    for resource in args.resources:
        if resource.resource_type != SECRETSMANAGER_ROTATION:
            continue
        targets = resource.property_dependencies.get("secretId", []) or resource.dependencies
        for dependency in targets:
            rotations[dependency.urn] = resource
        unlinked |= not targets and unknown_at(plain(resource.props), "secretId")
    for resource in args.resources:
        reason = _uncovered_reason(resource, rotations, unlinked)
        if reason:
            report(
                message(
                    f"This {resource.resource_type} has no rotation mechanism: {reason}",
                    "Give it one: a rotation schedule, key rotation, an expiry, keepers, or the "
                    f"{ROTATION_ANNOTATION} annotation",
                ),
                resource.urn,
            )


STACK_SECRET_ROTATION_COVERAGE = StackValidationPolicy(
    name="stack-secret-rotation-coverage",
    description="Every secret and key in the stack must be covered by a rotation mechanism.",
    validate=_stack_rotation_coverage,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Attach a rotation mechanism to each reported secret or key.",
)


POLICIES = [
    AWS_SECRETSMANAGER_ROTATION_SCHEDULE,
    AWS_KMS_KEY_ROTATION,
    AZURE_KEYVAULT_KEY_ROTATION_POLICY,
    AZURE_KEYVAULT_SECRET_EXPIRY,
    RANDOM_PASSWORD_KEEPERS,
    KUBERNETES_SECRET_ROTATION_ANNOTATION,
    KUBERNETES_EXTERNALSECRET_REFRESH_INTERVAL,
    STACK_SECRET_ROTATION_COVERAGE,
]
