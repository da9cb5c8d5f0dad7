"""What every policy module needs: plain values, config with defaults, and violation messages.

The pack runs unchanged under `pulumi preview`, so nothing here imports `components/` or
`offline/`. The engine hands policies plain values (secrets included, unmarked) wrapped in proxies
that raise on unknown values; validators work on `plain()` copies and treat an unknown value as
"cannot judge yet" instead of failing the preview.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections import Counter
from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Any

from pulumi_policy import PolicyConfigSchema, PolicyResource, ResourceValidationArgs, StackValidationArgs
from pulumi_policy.deserialize import serialize_properties
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    _DictProxy,
    _ListProxy,
)

UNKNOWNS = frozenset(
    {
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_OBJECT_VALUE,
        UNKNOWN_STRING_VALUE,
    }
)
"""Sentinels the engine sends for values a preview cannot know (pulumi_policy.proxy)."""

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
ROTATION_ANNOTATION = "secrets-platform/rotation-days"
"""Annotation every platform-managed Kubernetes Secret carries: its maximum age in days."""


def plain(props: Mapping[str, Any]) -> dict[str, Any]:
    """A plain copy of a resource's properties; unknown values stay as their sentinel strings.

    `serialize_properties` is how the SDK itself unwraps its proxies (for remediations), without
    touching the unknown checks that would abort the whole policy. `_plain` gives the same result for
    the shapes properties have (proxies, dicts, lists, scalars) without its chain of `isinstance`
    checks against `typing.Mapping`, and hands anything else (assets, archives, secrets) to it.

    The copy of a properties proxy (what a server hands a policy) is kept on the proxy and handed out
    again for it: a server that shares one resource's properties among its policies (the offline
    check's, for `Analyze` and then `AnalyzeStack`) copies them once. Policies read the copy and
    never change it (tests/policies/test_plain.py). A plain mapping, which its owner may change, is
    copied each time.
    """
    if type(props) is _DictProxy:
        copied = getattr(props, _COPY, None)
        if copied is None:
            copied = dict(_plain(props))
            setattr(props, _COPY, copied)
        return copied
    return dict(_plain(props))


_COPY = "_secrets_platform_plain"
"""The attribute of a properties proxy that holds its `plain()` copy."""
_SCALARS = (str, float, bool, int, type(None))


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind is _DictProxy or kind is _ListProxy:
        return _plain(value["__target"])
    if kind is dict:
        return {key: _plain(item) for key, item in value.items()}
    if kind is list:
        return [_plain(item) for item in value]
    if kind in _SCALARS:
        return value
    return serialize_properties(value)


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value in UNKNOWNS


def true_flag(value: Any) -> bool:
    """A switch that is on: `true`, or the string "true" in any case (chart values and YAML often
    carry booleans as strings)."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def known(value: Any) -> bool:
    """True when a value is present and known (not None, not an unknown sentinel)."""
    return value is not None and not is_unknown(value)


def dig(value: Any, *path: str | int) -> Any:
    """`value[p0][p1]...`, or None when any step is missing, unknown or of the wrong shape."""
    for key in path:
        if isinstance(key, int):
            if not isinstance(value, list) or key >= len(value):
                return None
            value = value[key]
        else:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        if is_unknown(value):
            return None
    return value


def unknown_at(value: Any, *path: str | int) -> bool:
    """Whether any step of `value[p0][p1]...` is an unknown value (a missing step is not unknown)."""
    if is_unknown(value):
        return True
    for key in path:
        if isinstance(key, int):
            value = value[key] if isinstance(value, list) and key < len(value) else None
        else:
            value = value.get(key) if isinstance(value, dict) else None
        if is_unknown(value):
            return True
        if value is None:
            return False
    return False


def as_list(value: Any) -> list[Any]:
    """A value that IAM and Kubernetes allow as one item or a list, always as a list."""
    if value is None or is_unknown(value):
        return []
    return list(value) if isinstance(value, list) else [value]


def as_number(value: Any) -> float | None:
    """Numbers arrive as floats, sometimes as strings (annotations); None when not a number."""
    if isinstance(value, bool) or not known(value):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def schema(**properties: dict[str, Any]) -> PolicyConfigSchema:
    """A config schema; every property must carry a default (our convention: every threshold has a default)."""
    for name, prop in properties.items():
        if "default" not in prop:
            raise TypeError(f"config property {name} needs a default")
    return PolicyConfigSchema(properties=dict(properties))


def string_list(default: list[str], description: str) -> dict[str, Any]:
    """A config property that is a list of strings (names, patterns, CIDRs), with its default."""
    return {
        "type": "array",
        "items": {"type": "string"},
        "default": list(default),
        "description": description,
    }


def settings(args: ResourceValidationArgs | StackValidationArgs, config: PolicyConfigSchema | None) -> dict:
    """The policy's config: schema defaults, then what the engine configured.

    The engine applies defaults itself, but a pack started without `Configure` (or a unit test)
    gets an empty config, so defaults are applied here too.
    """
    defaults = {k: v["default"] for k, v in (config.properties if config else {}).items()}
    merged = {**defaults, **dict(args.get_config() or {})}
    # Numbers cross the protocol as floats: give whole numbers back their integer form for messages.
    return {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in merged.items()}


def message(finding: str, fix: str) -> str:
    """A violation message: what is wrong, then an imperative sentence that says how to fix it."""
    finding = finding.rstrip(".") + "."
    fix = fix.rstrip(".") + "."
    return f"{finding} {fix}"


# --- networks ------------------------------------------------------------------------------------


def too_wide(value: Any, prefix: int) -> bool:
    """Whether an allow-list entry is no network, or wider than `prefix` bits (IPv6: `prefix` + 64);
    a bare address is a /32 (or /128)."""
    try:
        network = ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        return True
    return network.prefixlen < (prefix if network.version == 4 else prefix + 64)


# --- durations -------------------------------------------------------------------------------

_ISO_DURATION = re.compile(
    r"^P(?:(?P<years>\d+(?:\.\d+)?)Y)?(?:(?P<months>\d+(?:\.\d+)?)M)?(?:(?P<weeks>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<days>\d+(?:\.\d+)?)D)?(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_DAYS_PER = {"years": 365, "months": 30, "weeks": 7, "days": 1, "hours": 1 / 24, "minutes": 1 / 1440}


def iso_duration_days(value: Any) -> float | None:
    """Days in an ISO 8601 duration (`P1Y`, `P30D`, `P2M`), as Key Vault counts them; else None.

    Key Vault rotation policies accept years, months and days (a year 365 days, a month 30).
    """
    if not isinstance(value, str):
        return None
    match = _ISO_DURATION.match(value.strip().upper())
    if not match or value.strip().upper() in ("P", "PT"):
        return None
    total = 0.0
    for unit, amount in match.groupdict().items():
        if amount is not None:
            total += float(amount) * _DAYS_PER.get(unit, 1 / 86400)
    return total


_GO_DURATION = re.compile(r"^[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$")
_GO_DURATION_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_GO_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def go_duration_seconds(value: Any) -> float | None:
    """Seconds in a Go duration (`1h`, `30m`, `6h0m0s`, `1.5h`, `0`), as `time.ParseDuration` reads it.

    Go durations have no unit above hours (Go `time` package docs); None when `value` is not one.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text in ("0", "+0", "-0"):
        return 0.0
    if not _GO_DURATION.match(text):
        return None
    total = sum(float(amount) * _GO_UNIT_SECONDS[unit] for amount, unit in _GO_DURATION_PART.findall(text))
    return -total if text.startswith("-") else total


# --- what a secret looks like ----------------------------------------------------------------

_SECRET_NOUNS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "privatekey",
        "accesskey",
        "secretkey",
        "credential",
        "credentials",
        "connectionstring",
        "dsn",
        "signingkey",
        "encryptionkey",
        "clientsecret",
        "sessionkey",
        "masterkey",
        "webhooksecret",
        "authorization",
    }
)
"""Words that end a key naming a secret value (`DB_PASSWORD`, `oauthClientSecret`, `api-key`)."""

_REFERENCE_PREFIXES = ("existing",)
"""First words of keys that name a secret instead of holding one (`existingSecret: bff-tls-v1`)."""

_KNOWN_SECRET_VALUES = (
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),  # PEM private keys
    re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),  # AWS access key ids
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),  # GitHub tokens
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),  # Slack tokens
    re.compile(r"\b(sk|rk)_live_[A-Za-z0-9]{16,}"),  # Stripe live keys
    re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),  # Google API keys
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"),  # JWTs
    re.compile(r"://[^/\s:@]+:[^/\s@]+@"),  # credentials in a URL
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/-]{8,}=*"),  # an HTTP Authorization credential
    re.compile(r"-----BEGIN PGP PRIVATE KEY BLOCK-----"),  # armored PGP secret keys
)
"""Formats that are secrets whatever their key (the detect-secrets and gitleaks rule families)."""

_SECRET_REFERENCE_KEYS = frozenset(
    {
        "nginx.ingress.kubernetes.io/proxy-ssl-secret",
        "nginx.ingress.kubernetes.io/auth-tls-secret",
        "nginx.ingress.kubernetes.io/auth-secret",
    }
)
"""ingress-nginx annotations whose value names a Secret (`<namespace>/<name>`), never holds one
(ingress-nginx annotations reference)."""
_OBJECT_REFERENCE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(/[a-z0-9]([-.a-z0-9]*[a-z0-9])?)?$")

_TOKEN_CHARS = re.compile(r"^[A-Za-z0-9+/_=-]+$")
_REFERENCE_VALUE = re.compile(
    r"^(\$\{.*\}|\$\(.*\)|\{\{.*\}\}|arn:|https?://|/|secretsmanager:|vault:|ref\+)"
)


def key_words(key: str) -> list[str]:
    """`oauthClientSecret` -> [oauth, client, secret]; `DB_PASSWORD` -> [db, password]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", key)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def secret_like_key(key: str) -> bool:
    """Whether a key names a secret value (its last one to three words are a secret noun)."""
    words = key_words(key)
    if not words or words[0] in _REFERENCE_PREFIXES:
        return False
    return any("".join(words[-n:]) in _SECRET_NOUNS for n in (1, 2, 3) if len(words) >= n)


def shannon_entropy(value: str) -> float:
    """Bits per character of a string's own character distribution."""
    if not value:
        return 0.0
    counts = Counter(value)
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())


def secret_like_value(value: str, entropy_threshold: float, min_length: int) -> bool:
    """A value that is a secret whatever its key: a known format, or a long random-looking token.

    A random token mixes upper case, lower case and digits in a base64 alphabet; identifiers that
    are long but not secret (hex digests, UUIDs, ARNs, resource ids, image references, k8s names)
    fail one of those tests.
    """
    if any(pattern.search(value) for pattern in _KNOWN_SECRET_VALUES):
        return True
    if len(value) < min_length or not _TOKEN_CHARS.match(value) or value.startswith("/"):
        return False
    if not (re.search(r"[a-z]", value) and re.search(r"[A-Z]", value) and re.search(r"\d", value)):
        return False
    return shannon_entropy(value) >= entropy_threshold


def plaintext_secret(
    key: str,
    value: Any,
    *,
    entropy_threshold: float,
    min_length: int,
    min_named_length: int = 4,
) -> bool:
    """Whether `key: value` looks like a secret kept in plain text.

    A secret-like key with a literal (not a reference such as `${VAR}` or an ARN) of at least
    `min_named_length` characters, or any value that `secret_like_value` recognises.
    """
    if not isinstance(value, str) or not known(value) or not value.strip():
        return False
    if key in _SECRET_REFERENCE_KEYS and _OBJECT_REFERENCE.match(value):
        return False
    if secret_like_value(value, entropy_threshold, min_length):
        return True
    return secret_like_key(key) and len(value) >= min_named_length and not _REFERENCE_VALUE.match(value)


def allowed(path: str, patterns: list[str]) -> bool:
    """Whether a key path matches an allow-list entry (`fnmatch` patterns on the path or its last key)."""
    last = path.rsplit(".", 1)[-1]
    return any(fnmatchcase(path, p) or fnmatchcase(last, p) for p in patterns)


def walk(value: Any, path: str = "") -> list[tuple[str, str, Any]]:
    """Every leaf of a nested value as (path, key, value); list items keep their parent's key."""
    found: list[tuple[str, str, Any]] = []

    def visit(node: Any, where: str, key: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                visit(v, f"{where}.{k}" if where else str(k), str(k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                visit(v, f"{where}[{i}]", key)
        else:
            found.append((where, key, node))

    visit(value, path, path.rsplit(".", 1)[-1])
    return found


HYGIENE_SCHEMA_PROPERTIES: dict[str, dict[str, Any]] = {
    "entropyThreshold": {
        "type": "number",
        "minimum": 0,
        "maximum": 8,
        "default": 4.0,
        "description": "Shannon entropy (bits per character) from which a long token counts as random.",
    },
    "minTokenLength": {
        "type": "integer",
        "minimum": 8,
        "default": 24,
        "description": "Shortest value judged by entropy alone (shorter random strings score too low).",
    },
    "allowList": string_list(
        [], "fnmatch patterns of key paths (or keys) that may hold secret-looking values."
    ),
}
"""Config shared by the plaintext-secret policies (hygiene): thresholds and the allow-list."""


def provider_urn(resource: PolicyResource) -> str:
    """The URN of the provider a resource is declared with ("" for the default provider): which Vault,
    cluster or account it lives in."""
    return resource.provider.urn if resource.provider is not None else ""


# --- key material ------------------------------------------------------------------------------

_KEY_MATERIAL = (
    re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----"),  # PEM: PKCS#1, PKCS#8, EC, OpenSSH, encrypted
    re.compile(r"-----BEGIN PGP PRIVATE KEY BLOCK-----"),  # RFC 4880 armored secret key
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),  # JWT (RFC 7519)
)
_KEY_FILE_NAMES = re.compile(
    r"(^|/)(id_(rsa|dsa|ecdsa|ed25519)|\.dockerconfigjson|\.dockercfg|\.netrc|\.pgpass|\.git-credentials"
    r"|[^/]*\.(key|p12|pfx|jks|keystore|ppk|gpg|asc))$",
    re.IGNORECASE,
)
"""File names under which private keys and credential files are kept (`id_rsa`, `tls.key`,
`.dockerconfigjson`, `.netrc`...)."""
_BASE64_BLOCK = re.compile(r"^[A-Za-z0-9+/=\s_-]{40,}$")


def _docker_config_credentials(text: str) -> bool:
    """Whether text is a Docker config (`.dockerconfigjson`/`.dockercfg`) holding a credential."""
    import json

    try:
        doc = json.loads(text)
    except ValueError:
        return False
    if not isinstance(doc, dict):
        return False
    registries = doc.get("auths") if isinstance(doc.get("auths"), dict) else doc
    return any(
        isinstance(entry, dict)
        and any(isinstance(entry.get(k), str) and entry.get(k) for k in ("auth", "password", "identitytoken"))
        for entry in registries.values()
    )


def key_material(text: Any, depth: int = 2) -> bool:
    """Whether a value is (or base64-encodes) a private key, a PGP secret key, a JWT or a Docker
    registry credential: material that is secret whatever the key it sits under."""
    import base64
    import binascii

    if not isinstance(text, str) or not known(text):
        return False
    if any(pattern.search(text) for pattern in _KEY_MATERIAL) or _docker_config_credentials(text):
        return True
    if depth and _BASE64_BLOCK.match(text.strip()):
        compact = re.sub(r"\s+", "", text)
        for altchars in (None, b"-_"):
            try:
                decoded = base64.b64decode(compact + "=" * (-len(compact) % 4), altchars=altchars)
            except (binascii.Error, ValueError):
                continue
            if key_material(decoded.decode("utf-8", "ignore"), depth - 1):
                return True
    return False


def key_file_name(key: str) -> bool:
    """Whether a map key is the file name of a private key or a credential file."""
    return bool(_KEY_FILE_NAMES.search(key))
