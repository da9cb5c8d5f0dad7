"""Azure Resource Manager IDs, parsed by structure, never searched for substrings.

An ARM ID is a path of name/value pairs (Azure docs, "Resource ID format"): the tenant root `/`,
`/providers/Microsoft.Management/managementGroups/{mg}`, `/subscriptions/{sub}`, then
`/resourceGroups/{rg}`, then `/providers/{namespace}/{type}/{name}` followed by
`{childType}/{childName}` pairs, and an extension resource repeats `/providers/...` after a resource.
A resource group named `secrets` is a resource group, not a secret: only the parsed type chain says
what a scope is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NAME = re.compile(r"^[^/\s]+$")
_UNSAFE = ("..", ".")


@dataclass(frozen=True)
class ArmScope:
    level: str
    """`tenant`, `management group`, `subscription`, `resource group` or `resource`."""
    subscription: str = ""
    resource_group: str = ""
    types: tuple[str, ...] = field(default_factory=tuple)
    """The resource's type chain, lower case (`microsoft.keyvault/vaults`, `secrets`)."""

    def is_type(self, *chain: str) -> bool:
        return self.types == tuple(t.lower() for t in chain)


def parse_arm_id(text: str) -> ArmScope | None:
    """The scope an ARM ID names; None when the text is not a well-formed ARM ID."""
    if not isinstance(text, str):
        return None
    stripped = text.strip()
    if stripped in ("", "/"):
        return ArmScope("tenant") if stripped == "/" else None
    if not stripped.startswith("/"):
        return None
    parts = stripped.strip("/").split("/")
    if any(not p or p in _UNSAFE or not _NAME.match(p) for p in parts):
        return None
    lowered = [p.lower() for p in parts]
    if lowered[:2] == ["providers", "microsoft.management"]:
        if len(parts) == 4 and lowered[2] == "managementgroups":
            return ArmScope("management group")
        return None
    if len(parts) < 2 or lowered[0] != "subscriptions":
        return None
    subscription = parts[1]
    if len(parts) == 2:
        return ArmScope("subscription", subscription)
    rest, lowered_rest = parts[2:], lowered[2:]
    group = ""
    if lowered_rest[0] == "resourcegroups":
        if len(rest) < 2:
            return None
        group = rest[1]
        rest, lowered_rest = rest[2:], lowered_rest[2:]
        if not rest:
            return ArmScope("resource group", subscription, group)
    types: list[str] = []
    while rest:
        # /providers/{namespace}/{type}/{name}, then {childType}/{childName} pairs.
        if lowered_rest[0] != "providers" or len(rest) < 4:
            return None
        types = [f"{lowered_rest[1]}/{lowered_rest[2]}"]
        rest, lowered_rest = rest[4:], lowered_rest[4:]
        while rest and lowered_rest[0] != "providers":
            if len(rest) < 2:
                return None
            types.append(lowered_rest[0])
            rest, lowered_rest = rest[2:], lowered_rest[2:]
    return ArmScope("resource", subscription, group, tuple(types))


_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def role_definition_guid(value: str) -> str | None:
    """The GUID of a role definition given as an ARM ID (`.../roleDefinitions/{guid}`) or a bare GUID."""
    if not isinstance(value, str):
        return None
    candidate = value.strip().rstrip("/").rsplit("/", 1)[-1]
    if "/" in value.strip().rstrip("/"):
        parts = [p.lower() for p in value.strip().strip("/").split("/")]
        if len(parts) < 4 or parts[-2] != "roledefinitions" or parts[-3] != "microsoft.authorization":
            return None
    return candidate.lower() if _GUID.match(candidate) else None
