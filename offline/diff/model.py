"""What a diff is made of: typed changes, free of secret material, rendered only at the edge."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from offline.access.model import KUBERNETES

MISSING: Any = object()
"""An input absent on one side of a property change (shown as `(none)`)."""


class Action(StrEnum):
    """What the engine does to a resource."""

    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"


class Verdict(StrEnum):
    """Whether a secret input's value changed, as far as its provenance tells."""

    UNCHANGED = "unchanged"
    CHANGED = "changed"
    UNKNOWN = "unknown"
    ADDED = "added"
    REMOVED = "removed"


class Cause(StrEnum):
    """Why a verdict was reached (the detail text says it in words, with names)."""

    SOURCE = "source"
    """A new leaf, or a leaf whose sources changed."""
    SAME_CIPHERTEXT = "same-ciphertext"
    """The same `secure:` ciphertext on both sides: a literal value kept as it was."""
    NEW_CIPHERTEXT = "new-ciphertext"
    REKEYED = "rekeyed"
    NO_SECURE_VALUE = "no-secure-value"
    FILE = "file"
    GENERATED = "generated"
    REGENERATED = "regenerated"
    NOT_IN_PLANS = "not-in-plans"
    """Two plan files hold no secret material: the value cannot be compared."""
    COMPUTED = "computed"
    NO_SOURCE = "no-source"


class Note(StrEnum):
    """What a reviewer should know about a resource change, beyond its inputs."""

    CREATE_FIRST = "create before delete"
    DELETE_FIRST_OPTION = "delete before create (`deleteBeforeReplace`)"
    DELETE_FIRST_SAME_NAME = (
        "delete before create: the new object keeps the old name, so the provider deletes the old "
        "one first and readers see no object meanwhile (a new `version` rotates without a gap)"
    )
    PROTECTED_DELETE = "protected: `pulumi up` refuses to delete it until `protect` is removed"
    PROTECTED_REPLACE = "protected: `pulumi up` refuses to replace it until `protect` is removed"
    RETAINED = "retainOnDelete: it leaves the stack but stays in the cloud"
    MAYBE_REPLACED = "replaced if a secret value changed (this diff cannot see values)"
    LITERAL_UNCHANGED = (
        "its values are unchanged: rotating a literal secret needs a new value "
        "(`pulumi config set --secret`) as well as a new version"
    )


@dataclass(frozen=True)
class Reason:
    """Why a resource is replaced: a changed input path and the rule (or option) that says so."""

    path: str
    why: str
    listed: str = ""
    """The `replaceOnChanges` entry that lists the path, when the resource's own option is the reason."""

    def __str__(self) -> str:
        if self.listed:
            return f"`{self.path}` changed: listed in the resource's `replaceOnChanges` (`{self.listed}`)"
        return f"`{self.path}` changed: {self.why}"


@dataclass
class PropertyChange:
    """One plain input (or option) that differs; values are plain, never secret."""

    path: str
    old: Any
    new: Any
    ignored: bool = False
    """Listed in the resource's `ignoreChanges`: the engine keeps the old value."""
    secrecy: bool = False
    """The path became, or stopped being, a secret: `new` says which, no value is shown."""


@dataclass
class SecretChange:
    """One secret input leaf: shown as `[secret]`, with a verdict and a reason without values."""

    path: str
    status: Verdict
    detail: str
    cause: Cause = Cause.SOURCE


@dataclass
class ResourceChange:
    """A resource to create, update, replace or delete."""

    action: Action
    urn: str
    type: str
    name: str
    custom: bool
    properties: list[PropertyChange] = field(default_factory=list)
    options: list[PropertyChange] = field(default_factory=list)
    secrets: list[SecretChange] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    """Why it is replaced (empty: updated in place)."""
    notes: list[Note] = field(default_factory=list)


class Change(StrEnum):
    """Which way an access grant or a policy violation moves with the change."""

    GAINS = "gains"
    LOSES = "loses"
    INTRODUCED = "introduced"
    FIXED = "fixed"


@dataclass(frozen=True)
class AccessChange:
    """A reader that gains or loses read access to a secret."""

    change: Change
    secret: str
    reader_kind: str
    reader: str
    through: str
    verbs: tuple[str, ...]
    layer: str = KUBERNETES
    """Where the secret lives (the access report's layer: Kubernetes, a store, the CMS)."""


@dataclass(frozen=True)
class ViolationChange:
    """A policy violation the change introduces or fixes."""

    change: Change
    policy: str
    level: str
    urn: str
    message: str


@dataclass
class Diff:
    """Everything the review needs, free of secret material."""

    stack: str
    base_label: str
    head_label: str
    mode: str
    """`base` (provenance compared) or `plans` (two plan files)."""
    resources: list[ResourceChange]
    unchanged: int
    access: list[AccessChange]
    violations: list[ViolationChange] | None
    """None when no violations were given for both sides."""
    unseen_secrets: int = 0
    """Secret inputs whose sources are the same on both sides but whose values this diff cannot see."""
    unseen_files: int = 0
    """File assets and archives of the same name whose contents two plan files cannot compare."""
    version_follows: list[str] = field(default_factory=list)
    """Readers whose access moved with a rotation (`ns/name-vN` -> `-vM`): not an access change."""

    def count(self, action: Action) -> int:
        return sum(1 for r in self.resources if r.action == action and r.custom)
