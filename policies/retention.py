"""Retention: an old secret value is revoked, not kept forever.

A KV v2 mount keeps 10 versions of each secret and never deletes one unless told (Vault docs, "KV
secrets engine - version 2": `max_versions` defaults to 10, `delete_version_after` to 0, never). A
rotated-away credential that stays readable is a credential that still leaks. Each KV v2 mount of the
stack gets its limits (`vault.kv.SecretBackendV2`), and no secret lifts them.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies._support import as_number, dig, is_unknown, message, plain, provider_urn, schema, settings

MOUNT = "vault:index/mount:Mount"
KV_CONFIG = "vault:kv/secretBackendV2:SecretBackendV2"
KV_SECRET = "vault:kv/secretV2:SecretV2"
DAY = 86_400


def _kv_v2(resource: PolicyResource) -> str | None:
    """The path of a KV v2 mount (type `kv-v2`, or `kv` with options.version 2); None for others."""
    props = plain(resource.props)
    kind = str(props.get("type") or "")
    version = str(dig(props, "options", "version") or "1")
    if kind == "kv-v2" or (kind == "kv" and version == "2"):
        path = props.get("path")
        return str(path).strip("/") if isinstance(path, str) and not is_unknown(path) else None
    return None


def _limits(props: dict, cfg: dict) -> list[str]:
    """What is wrong with a version-limits block (`maxVersions`, `deleteVersionAfter` in seconds)."""
    problems = []
    versions = as_number(props.get("maxVersions"))
    after = as_number(props.get("deleteVersionAfter"))
    if not is_unknown(props.get("maxVersions")) and (
        versions is None or not 1 <= versions <= cfg["maxVersions"]
    ):
        problems.append(f"maxVersions is not 1 to {cfg['maxVersions']} (0 or unset keeps 10)")
    if not is_unknown(props.get("deleteVersionAfter")) and (
        after is None or not 0 < after <= cfg["maxDeleteVersionAfterDays"] * DAY
    ):
        problems.append(
            f"deleteVersionAfter is not a positive number of seconds up to {cfg['maxDeleteVersionAfterDays']} days "
            "(0 or unset never deletes)"
        )
    return problems


def _kv_version_limits(args: StackValidationArgs, report: ReportViolation) -> None:
    cfg = settings(args, VAULT_KV_VERSION_LIMITS.config_schema)
    configured: dict[tuple[str, str], PolicyResource] = {}
    for resource in args.resources:
        if resource.resource_type == KV_CONFIG:
            mount = plain(resource.props).get("mount")
            if isinstance(mount, str) and not is_unknown(mount):
                configured[(provider_urn(resource), mount.strip("/"))] = resource
            problems = _limits(plain(resource.props), cfg)
            if problems:
                report(
                    message(
                        f"The KV v2 mount's version limits let old values live on: {'; '.join(problems)}",
                        "Set max_versions and delete_version_after from the rotation period",
                    ),
                    resource.urn,
                )
    for resource in args.resources:
        if resource.resource_type == MOUNT:
            path = _kv_v2(resource)
            if path is not None and (provider_urn(resource), path) not in configured:
                report(
                    message(
                        "The KV v2 mount has no version limits (no kv.SecretBackendV2 for it), so it keeps "
                        "10 versions of every secret and deletes none",
                        "Declare a vault.kv.SecretBackendV2 for the mount with max_versions and delete_version_after",
                    ),
                    resource.urn,
                )
        elif resource.resource_type == KV_SECRET:
            metadata = dig(plain(resource.props), "customMetadata")
            if isinstance(metadata, dict):
                problems = _limits(metadata, cfg)
                if problems:
                    report(
                        message(
                            f"The secret's own version limits let old values live on: {'; '.join(problems)}",
                            "Set custom_metadata max_versions and delete_version_after from its rotation period",
                        ),
                        resource.urn,
                    )


# Source: Vault docs, "KV secrets engine - version 2" (`max_versions`, `delete_version_after`; the
# oldest versions past max_versions are permanently removed).
VAULT_KV_VERSION_LIMITS = StackValidationPolicy(
    name="vault-kv-version-limits",
    description="KV v2 mounts and secrets must bound how many versions they keep and how long.",
    validate=_kv_version_limits,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    config_schema=schema(
        maxVersions={
            "type": "integer",
            "minimum": 1,
            "default": 10,
            "description": "Most versions kept per secret.",
        },
        maxDeleteVersionAfterDays={
            "type": "integer",
            "minimum": 1,
            "default": 400,
            "description": "Longest a version may live before Vault deletes it.",
        },
    ),
    remediation_steps="Declare kv.SecretBackendV2 with max_versions and delete_version_after for each KV v2 mount.",
)


POLICIES = [VAULT_KV_VERSION_LIMITS]
