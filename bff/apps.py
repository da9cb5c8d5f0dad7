"""Who may read what: the apps file the platform generates from the stack's `apps:` (names only).

`{"shopper-ios": {"secrets": ["maps-api-key"], "rateLimitPerMinute": 60}, ...}`. The key is the
app's OAuth client id, as the token carries it (`azp` or `client_id`). Validated strictly at start:
a typo here would silently refuse or grant a secret.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, field_validator

# A catalogue secret name (a Kubernetes object name, as in the platform's config models).
SECRET_NAME = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
# OAuth client ids are opaque strings; this allows what IdPs issue and nothing that could confuse a log.
CLIENT_ID = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,254}$"

SecretName = Annotated[str, Field(pattern=SECRET_NAME, max_length=253)]


class AppGrant(BaseModel):
    """What one app may do: the secrets it may read and its request rate."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)

    secrets: frozenset[SecretName]
    """Catalogue secrets the app may fetch."""
    rate_limit_per_minute: Annotated[int, Field(ge=1, le=10_000, alias="rateLimitPerMinute")] = 60
    """Requests a minute for the app as a whole (all its clients, all replicas)."""

    @field_validator("secrets", mode="before")
    @classmethod
    def _no_duplicates(cls, value: object) -> object:
        if isinstance(value, list) and len(set(value)) != len(value):
            raise ValueError("lists a secret twice")
        return value


class AppsFile(RootModel[dict[Annotated[str, Field(pattern=CLIENT_ID)], AppGrant]]):
    """The whole file: client id -> grant."""


class AppsFileError(Exception):
    """The apps file is unreadable or invalid; one line per problem."""


class AppScope:
    """The per-app least-privilege check, made before any cache or CMS access."""

    def __init__(self, grants: Mapping[str, AppGrant]) -> None:
        self._grants = dict(grants)

    def grant(self, app: str) -> AppGrant | None:
        """The app's grant, or None for an app the platform does not know."""
        return self._grants.get(app)

    @staticmethod
    def allows(grant: AppGrant, name: str) -> bool:
        """Whether the app may read `name`: exact membership, nothing else (no patterns, no case folding)."""
        return name in grant.secrets

    @property
    def apps(self) -> frozenset[str]:
        return frozenset(self._grants)


def parse_apps(text: str, source: str = "apps file") -> AppScope:
    """Parse and validate the apps JSON; raises AppsFileError naming each problem's path."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise AppsFileError(f"{source}: not JSON ({error.msg} at line {error.lineno})") from None
    try:
        parsed = AppsFile.model_validate(document)
    except ValidationError as error:
        lines = []
        for problem in error.errors(include_url=False):
            path = ".".join(str(p) for p in problem["loc"] if p != "[key]")
            lines.append(f"{source}: {path or '(top)'}: {problem['msg'].removeprefix('Value error, ')}")
        raise AppsFileError("\n".join(lines)) from None
    return AppScope(parsed.root)


def load_apps(path: Path) -> AppScope:
    """The apps file at `path` (BFF_APPS_FILE)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AppsFileError(f"{path}: cannot be read ({type(error).__name__})") from None
    return parse_apps(text, str(path))
