"""Least privilege on Vault: who may read a Vault secret is exactly who needs it.

Vault policies grant named capabilities on exact paths, never a glob or `sudo`; auth roles are bound
to one ServiceAccount of one namespace, with an audience, never to any, and the tokens they issue
expire within a bound the stack's policy config sets. Messages count paths and name capabilities only
from Vault's own vocabulary, never text of the policy.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from policies._support import as_list, as_number, is_unknown, message, plain, schema, settings, string_list

VAULT_POLICY = "vault:index/policy:Policy"
JWT_ROLE = "vault:jwt/authBackendRole:AuthBackendRole"
KUBERNETES_ROLE = "vault:kubernetes/authBackendRole:AuthBackendRole"

_PATH_BLOCK = re.compile(r'path\s+"((?:[^"\\]|\\.)*)"\s*\{([^{}]*)\}', re.S)
_CAPABILITIES = re.compile(r"capabilities\s*=\s*\[([^\]]*)\]", re.S)
_GLOB = re.compile(r"[*+]")
_COMMENT = re.compile(r"(#|//)[^\n]*")
VAULT_CAPABILITIES = (
    "create",
    "read",
    "update",
    "patch",
    "delete",
    "list",
    "sudo",
    "deny",
    "subscribe",
    "recover",
)
"""Capabilities Vault knows (Vault docs, "Policies: Capabilities"); messages name only these."""


def parse_policy(text: str) -> list[tuple[str, list[str]]] | None:
    """The (path, capabilities) pairs of a Vault policy in HCL or JSON; None when it cannot be read.

    Vault accepts both forms (Vault docs, "Policies": "Policies are written in HCL or JSON").
    """
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            paths = json.loads(stripped).get("path", {})
        except (ValueError, AttributeError):
            return None
        if not isinstance(paths, dict):
            return None
        return [(p, [str(c) for c in as_list((b or {}).get("capabilities"))]) for p, b in paths.items()]
    body = _COMMENT.sub("", text)
    blocks = []
    for match in _PATH_BLOCK.finditer(body):
        caps = _CAPABILITIES.search(match.group(2))
        found = re.findall(r'"([^"]*)"', caps.group(1)) if caps else []
        blocks.append((match.group(1), found))
    rest = _PATH_BLOCK.sub("", body).strip()
    return blocks if not rest else None


def _policy_blocks(
    args: ResourceValidationArgs, report: ReportViolation
) -> list[tuple[str, list[str]]] | None:
    if args.resource_type != VAULT_POLICY:
        return None
    text = plain(args.props).get("policy")
    if not isinstance(text, str) or is_unknown(text):
        return None
    blocks = parse_policy(text)
    if blocks is None:
        report(
            message(
                'The Vault policy could not be read as `path "..." { capabilities = [...] }` blocks, so '
                "what it grants cannot be verified",
                "Write it as plain path blocks (HCL or JSON) with an explicit capabilities list",
            ),
            None,
        )
    return blocks


def _policy_paths(args: ResourceValidationArgs, report: ReportViolation) -> None:
    blocks = _policy_blocks(args, report)
    if not blocks:
        return
    allowed = settings(args, VAULT_POLICY_PATHS.config_schema)["allowedGlobPaths"]
    globbed = [i for i, (path, _) in enumerate(blocks) if _GLOB.search(path) and path not in allowed]
    if globbed:
        report(
            message(
                f"The Vault policy grants {len(globbed)} globbed path(s) (blocks "
                f"{', '.join(str(i) for i in globbed)}), so every secret created under them later becomes "
                "readable too",
                "Name each secret's exact path (its KV v2 `data/` form), one block per path",
            ),
            None,
        )


# Source: Vault docs, "Policies" (glob `*` and segment wildcard `+` match any later path); the
# least-privilege guidance of HashiCorp's "Production hardening" (no wildcard policies).
VAULT_POLICY_PATHS = ResourceValidationPolicy(
    name="vault-policy-paths",
    description="Vault policies must name exact paths, never a '*' or '+' glob.",
    validate=_policy_paths,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        allowedGlobPaths=string_list([], "Globbed paths accepted as they are (exact text).")
    ),
    remediation_steps="Replace each globbed path with the exact paths the identity reads.",
)


def _policy_capabilities(args: ResourceValidationArgs, report: ReportViolation) -> None:
    blocks = _policy_blocks(args, report) if args.resource_type == VAULT_POLICY else None
    if not blocks:
        return
    allowed = set(settings(args, VAULT_POLICY_CAPABILITIES.config_schema)["allowedCapabilities"])
    broad = sorted({cap for _, caps in blocks for cap in caps if cap not in allowed})
    empty = [i for i, (_, caps) in enumerate(blocks) if not caps]
    if broad:
        known = [c for c in broad if c in VAULT_CAPABILITIES]
        shown = f" ({', '.join(known)})" if len(known) == len(broad) else ""
        report(
            message(
                f"The Vault policy grants capabilities beyond {', '.join(sorted(allowed))}{shown}",
                "Grant only what the identity does: `read` for an External Secrets sync identity",
            ),
            None,
        )
    if empty:
        report(
            message(
                f"The Vault policy has path blocks without a capabilities list (blocks "
                f"{', '.join(str(i) for i in empty)})",
                'Give each block an explicit list, such as capabilities = ["read"]',
            ),
            None,
        )


# Source: Vault docs, "Policies" (capabilities: `sudo` reaches root-protected paths; `*` is no
# capability Vault knows and is a mistake for "all").
VAULT_POLICY_CAPABILITIES = ResourceValidationPolicy(
    name="vault-policy-capabilities",
    description="Vault policies must grant only the allowed capabilities, never '*', sudo or write access.",
    validate=_policy_capabilities,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        allowedCapabilities=string_list(["read"], "Capabilities a platform-declared policy may grant.")
    ),
    remediation_steps="Limit each path block to the capabilities the identity needs (read).",
)


def _any(value: Any) -> bool:
    """Whether a bound value lets anything through: a glob, or nothing set."""
    values = [str(v) for v in as_list(value) if not is_unknown(v)]
    return not values or any(_GLOB.search(v) for v in values)


def _auth_role(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in (KUBERNETES_ROLE, JWT_ROLE):
        return
    props = plain(args.props)
    if args.resource_type == KUBERNETES_ROLE:
        for field, what in (
            ("boundServiceAccountNames", "ServiceAccount"),
            ("boundServiceAccountNamespaces", "namespace"),
        ):
            value = props.get(field)
            if is_unknown(value):
                continue
            if _any(value) or len(as_list(value)) != 1:
                report(
                    message(
                        f"The Kubernetes auth role accepts {'any' if _any(value) else 'more than one'} {what} "
                        f"({field})",
                        f"Bind it to exactly one {what}, by its exact name",
                    ),
                    None,
                )
        return
    if args.resource_type != JWT_ROLE:
        return
    audiences = props.get("boundAudiences")
    if not is_unknown(audiences) and _any(audiences):
        report(
            message(
                "The JWT auth role accepts tokens for any audience (boundAudiences is empty or globbed), "
                "so a token minted for another service logs in too",
                "Set boundAudiences to the one audience the ServiceAccount tokens are requested for",
            ),
            None,
        )
    subject = props.get("boundSubject")
    claims = props.get("boundClaims")
    if is_unknown(subject) or is_unknown(claims):
        return
    glob_claims = str(props.get("boundClaimsType") or "string") == "glob"
    claim_values = {str(k): str(v) for k, v in (claims or {}).items()} if isinstance(claims, dict) else {}
    pinned_subject = (
        isinstance(subject, str)
        and subject.startswith("system:serviceaccount:")
        and not _GLOB.search(subject)
    )
    pinned_claims = all(
        claim_values.get(key)
        and not (glob_claims and _GLOB.search(claim_values[key]))
        and "," not in claim_values[key]
        for key in ("/kubernetes.io/namespace", "/kubernetes.io/serviceaccount/name")
    )
    if not pinned_subject and not pinned_claims:
        report(
            message(
                "The JWT auth role is not bound to one ServiceAccount of one namespace: boundSubject is not an "
                "exact system:serviceaccount:<namespace>:<name>, and boundClaims do not pin both",
                "Set boundSubject to the exact subject (and boundClaims to its namespace and name, type string)",
            ),
            None,
        )
    if glob_claims and any(_GLOB.search(v) for v in claim_values.values()):
        report(
            message(
                "The JWT auth role matches boundClaims as globs with a wildcard, so other accounts match too",
                "Use boundClaimsType string with exact values",
            ),
            None,
        )


# Source: Vault docs, "JWT/OIDC auth method" (`bound_audiences` is required for jwt roles;
# `bound_subject`, `bound_claims`) and "Kubernetes auth method" (`bound_service_account_names` and
# `_namespaces` accept "*", which lets every account log in).
VAULT_AUTH_ROLE_BINDING = ResourceValidationPolicy(
    name="vault-auth-role-binding",
    description="Vault auth roles must be bound to exactly one ServiceAccount of one namespace, with an audience.",
    validate=_auth_role,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(),
    remediation_steps="Bind the role to one exact ServiceAccount and namespace (and one audience).",
)


def _seconds(props: dict[str, Any], field: str) -> float | None:
    """A TTL field in seconds; 0 when unset (Vault's "not set"), None when unknown or not a number."""
    value = props.get(field)
    if value is None:
        return 0.0
    return as_number(value)


def _token_lifetime(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in (KUBERNETES_ROLE, JWT_ROLE):
        return
    limit = settings(args, VAULT_AUTH_ROLE_TOKEN_TTL.config_schema)["maxTokenTtlSeconds"]
    props = plain(args.props)
    ttl, max_ttl, explicit, period = (
        _seconds(props, field) for field in ("tokenTtl", "tokenMaxTtl", "tokenExplicitMaxTtl", "tokenPeriod")
    )
    if None in (ttl, max_ttl, explicit, period):
        return  # unknown during preview
    fix = f"Set tokenMaxTtl (or tokenExplicitMaxTtl) to at most {limit:g} seconds, and no tokenPeriod"
    if period and not (explicit and explicit <= limit):
        report(
            message(
                "The auth role issues periodic tokens (tokenPeriod): they renew without end unless "
                "tokenExplicitMaxTtl caps them",
                fix,
            ),
            None,
        )
        return
    caps = [value for value in (max_ttl, explicit) if value]
    if not caps:
        report(
            message(
                "The auth role sets no tokenMaxTtl or tokenExplicitMaxTtl: its tokens renew up to the mount's "
                "or the system's maximum (32 days by default)",
                fix,
            ),
            None,
        )
    elif min(caps) > limit or (ttl and ttl > limit):
        report(
            message(
                f"The auth role's tokens live longer than maxTokenTtlSeconds ({limit:g} s) allows",
                fix,
            ),
            None,
        )


# Source: Vault docs, "Tokens: token time-to-live, periodic tokens, and explicit max TTLs" (a token
# renews up to its max TTL, the mount's or the system's 32 days when the role sets none; periodic
# tokens renew indefinitely unless an explicit max TTL caps them) and the JWT and Kubernetes auth
# methods' `token_max_ttl`, `token_explicit_max_ttl`, `token_period` parameters.
VAULT_AUTH_ROLE_TOKEN_TTL = ResourceValidationPolicy(
    name="vault-auth-role-token-ttl",
    description="Vault auth roles must cap the lifetime of the tokens they issue at maxTokenTtlSeconds.",
    validate=_token_lifetime,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        maxTokenTtlSeconds={
            "type": "integer",
            "minimum": 60,
            "default": 86_400,
            "description": "Longest a token issued by an auth role may live, renewals included (seconds).",
        }
    ),
    remediation_steps="Set token_max_ttl (the platform sets it to vault.tokenTtlSeconds) and no token_period.",
)


POLICIES = [VAULT_POLICY_PATHS, VAULT_POLICY_CAPABILITIES, VAULT_AUTH_ROLE_BINDING, VAULT_AUTH_ROLE_TOKEN_TTL]
