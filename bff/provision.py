"""`python -m bff provision-cms`: give the CMS the collection, roles and users the platform relies on.

Run as a Kubernetes Job in the CMS namespace (one per version of the tokens and the administrator's
password it applies) once Directus is up. As the first administrator (Directus 12 REST API):
- the secrets collection (primary key `name`; `version` integer, `data` JSON), with activity kept
  (who changed which item, when) but no revisions (which would keep every old value);
- a policy and a role `bff-reader` that may only read that collection, and two users of that role
  (slots 0 and 1): the read token of version N goes to slot N % 2, so the token of the previous version
  keeps working while the BFF's pods roll to the new one (at most two read tokens are ever valid);
- a policy and a role `cms-writer` that may read, create and update that collection (never delete),
  and one user of it holding the writer token.
Users have no e-mail and no password: they cannot log in, nor be sent a password reset; only their
static token (sent as a header) authenticates them.

Idempotent and conservative: what is missing is created; the two policies' permissions and the two
roles' policies are set to exactly the above (extra grants on them are removed: least privilege);
a user's token is changed only when the token it should have does not authenticate as that user
(checked with `GET /users/me`, the token in a header). No item, field or collection is ever deleted.

The administrator's password: when the current one is refused and the previous version's is mounted
(`CMS_ADMIN_PREVIOUS_PASSWORD_FILE`), the previous one logs in and sets the current one, which is how
bumping the version of `cms.adminSecret` rotates it (Directus reads `ADMIN_PASSWORD` at its first start
only).

Arguments are paths and names only: a password or a token never passes through argv. Output names
what changed, never a value. Exit 0 done, 1 failed, 2 bad usage (as `write-secret`).
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bff import cms_job
from bff.cms_job import JobError
from bff.http11 import Requester, Response
from bff.upstream import UpstreamUnavailable, with_retries

EXIT_OK, EXIT_FAILED, EXIT_USAGE = cms_job.EXIT_OK, cms_job.EXIT_FAILED, cms_job.EXIT_USAGE

READER = "bff-reader"
"""Name of the read-only policy and role, and prefix of its users (`bff-reader-0`, `bff-reader-1`)."""
WRITER = "cms-writer"
"""Name of the write policy, role and user."""
READER_SLOTS = 2
MANAGED_BY = "secrets-platform"
"""`last_name` of the users the provisioner manages (shown in the CMS's user list)."""
ACTIONS = {READER: ("read",), WRITER: ("read", "create", "update")}
"""What each role may do on the secrets collection and nowhere else. Field-level rules are a licensed
feature of Directus 12 (custom_permission_rules), so each action covers every field (`*`)."""
FIELDS = (
    {"field": "version", "type": "integer", "schema": {"is_nullable": False, "default_value": 1}},
    {"field": "data", "type": "json", "schema": {"is_nullable": False}},
)
"""The collection's fields beside its primary key `name` (what bff/cms.py and bff/writer.py read)."""


class ProvisionError(JobError):
    """Why provisioning failed; the message never holds a password or a token."""


@dataclass(frozen=True)
class Credentials:
    """What the mounted files hold (never printed)."""

    admin_email: str
    admin_password: str
    admin_previous_password: str | None
    read_token: str
    read_token_version: int
    writer_token: str


def _data(response: Response, what: str) -> Any:
    try:
        return response.json()["data"]
    except (ValueError, KeyError, TypeError):
        raise ProvisionError(f"{what}: the CMS answer has no data") from None


class CmsProvisioner:
    """The REST calls of one provisioning run, as the first administrator."""

    def __init__(self, client: Requester, collection: str, retries: int) -> None:
        self._client = client
        self._collection = collection
        self._retries = retries
        self._session: dict[str, str] = {}
        self.changes: list[str] = []

    # --- HTTP -------------------------------------------------------------------------------------

    async def _send(self, method: str, path: str, *, token: str | None = None, **kwargs: Any) -> Response:
        headers = {"Accept": "application/json"}
        bearer = token if token is not None else self._session.get("access_token")
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"

        async def attempt() -> Response:
            return await self._client.request(method, path, headers=headers, **kwargs)

        try:
            return await with_retries(attempt, self._retries, "CMS")
        except UpstreamUnavailable as error:
            raise ProvisionError(str(error)) from None

    async def _call(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        response = await self._send(method, path, **kwargs)
        if response.status == 204:
            return None
        if response.status != 200:
            raise ProvisionError(f"{what}: the CMS answered HTTP {response.status}")
        return _data(response, what)

    async def _find(self, path: str, what: str, **filters: str) -> list[dict[str, Any]]:
        params = {f"filter[{key}][_eq]": value for key, value in filters.items()}
        found = await self._call("GET", path, what, params={**params, "limit": "-1"})
        if not isinstance(found, list):
            raise ProvisionError(f"{what}: the CMS answer is not a list")
        return found

    # --- the administrator's session --------------------------------------------------------------

    async def _login(self, email: str, password: str) -> dict[str, str] | None:
        response = await self._send(
            "POST", "/auth/login", token="", json_body={"email": email, "password": password}
        )
        if response.status == 401:
            return None
        if response.status != 200:
            raise ProvisionError(f"administrator login: the CMS answered HTTP {response.status}")
        session = _data(response, "administrator login")
        if not isinstance(session, dict) or not isinstance(session.get("access_token"), str):
            raise ProvisionError("administrator login: the CMS answer has no access token")
        return session

    async def log_in(self, credentials: Credentials) -> None:
        """Log in with the current password, or with the previous one and set the current one."""
        session = await self._login(credentials.admin_email, credentials.admin_password)
        if session is None and credentials.admin_previous_password is not None:
            previous = await self._login(credentials.admin_email, credentials.admin_previous_password)
            if previous is not None:
                self._session = previous
                await self._call(
                    "PATCH",
                    "/users/me",
                    "setting the administrator's new password",
                    json_body={"password": credentials.admin_password},
                    params={"fields": "id"},
                )
                await self.log_out()
                self.changes.append("set the administrator's password to the current version")
                session = await self._login(credentials.admin_email, credentials.admin_password)
        if session is None:
            raise ProvisionError(
                "the CMS refused the administrator's login with the current password"
                + (" and the previous one" if credentials.admin_previous_password is not None else "")
                + ": set the administrator's password in the CMS to the current version of cms.adminSecret"
            )
        self._session = session

    async def log_out(self) -> None:
        """End the administrator's session (its refresh token), so nothing outlives the Job."""
        refresh = self._session.get("refresh_token")
        self._session = {}
        if refresh:
            await self._send("POST", "/auth/logout", token="", json_body={"refresh_token": refresh})

    # --- the collection ---------------------------------------------------------------------------

    async def collection(self) -> None:
        """The secrets collection with its three fields; existing ones are checked, never changed."""
        name = self._collection
        # Directus answers 403 for a collection that does not exist, even to an administrator.
        response = await self._send("GET", f"/collections/{name}")
        if response.status == 403:
            await self._call(
                "POST",
                "/collections",
                f"creating collection {name}",
                json_body={
                    "collection": name,
                    # Activity (who, when, which item) is kept for the audit; revisions would keep
                    # every old value in the CMS's history, so there are none.
                    "meta": {"accountability": "activity", "note": "Mobile secrets served by the BFF"},
                    "schema": {"name": name},
                    "fields": [
                        {
                            "field": "name",
                            "type": "string",
                            "schema": {"is_primary_key": True, "length": 253},
                            "meta": {},
                        }
                    ],
                },
            )
            self.changes.append(f"created collection {name}")
        elif response.status != 200:
            raise ProvisionError(f"reading collection {name}: the CMS answered HTTP {response.status}")
        fields = await self._call("GET", f"/fields/{name}", f"reading the fields of {name}")
        types = {f.get("field"): f.get("type") for f in fields if isinstance(f, dict)}
        if types.get("name") != "string":
            raise ProvisionError(f"collection {name} exists without a string primary key `name`")
        for field in FIELDS:
            found = types.get(field["field"])
            if found is None:
                await self._call(
                    "POST",
                    f"/fields/{name}",
                    f"creating field {field['field']}",
                    json_body={**field, "meta": {}},
                )
                self.changes.append(f"created field {name}.{field['field']}")
            elif found != field["type"]:
                raise ProvisionError(
                    f"field {name}.{field['field']} has type {found}, expected {field['type']}; fix it in the CMS"
                )

    # --- policies, roles, users -------------------------------------------------------------------

    async def policy(self, name: str) -> str:
        """The policy `name`, with no app or admin access and exactly its permissions; its id."""
        found = await self._find("/policies", f"reading policy {name}", name=name)
        if len(found) > 1:
            raise ProvisionError(f"{len(found)} policies are named {name}; keep one")
        wanted = {
            "name": name,
            "app_access": False,
            "admin_access": False,
            "description": f"Managed by {MANAGED_BY}: {', '.join(ACTIONS[name])} on {self._collection}",
        }
        if not found:
            created = await self._call("POST", "/policies", f"creating policy {name}", json_body=wanted)
            policy_id = str(created["id"])
            self.changes.append(f"created policy {name}")
        else:
            policy_id = str(found[0]["id"])
            if found[0].get("app_access") or found[0].get("admin_access"):
                await self._call(
                    "PATCH",
                    f"/policies/{policy_id}",
                    f"updating policy {name}",
                    json_body={"app_access": False, "admin_access": False},
                )
                self.changes.append(f"removed app and admin access from policy {name}")
        await self._permissions(name, policy_id)
        return policy_id

    async def _permissions(self, name: str, policy_id: str) -> None:
        existing = await self._find("/permissions", f"reading the permissions of {name}", policy=policy_id)
        kept: set[str] = set()
        for permission in existing:
            if str(permission.get("policy")) != policy_id or "id" not in permission:
                continue  # Directus lists its built-in permissions (no id, no policy) beside a policy's
            action, collection = permission.get("action"), permission.get("collection")
            exact = (
                collection == self._collection
                and action in ACTIONS[name]
                and action not in kept
                and permission.get("fields") == ["*"]
                and not permission.get("permissions")
                and not permission.get("validation")
                and not permission.get("presets")
            )
            if exact:
                kept.add(str(action))
                continue
            await self._call("DELETE", f"/permissions/{permission['id']}", f"removing a grant of {name}")
            self.changes.append(f"removed {action} on {collection} from policy {name}")
        for action in ACTIONS[name]:
            if action not in kept:
                await self._call(
                    "POST",
                    "/permissions",
                    f"granting {action} to {name}",
                    json_body={
                        "policy": policy_id,
                        "collection": self._collection,
                        "action": action,
                        "fields": ["*"],
                    },
                )
                self.changes.append(f"granted {action} on {self._collection} to policy {name}")

    async def role(self, name: str, policy_id: str) -> str:
        """The role `name`, holding exactly the policy; its id."""
        found = await self._find("/roles", f"reading role {name}", name=name)
        if len(found) > 1:
            raise ProvisionError(f"{len(found)} roles are named {name}; keep one")
        if not found:
            created = await self._call(
                "POST",
                "/roles",
                f"creating role {name}",
                json_body={"name": name, "policies": [{"policy": policy_id}]},
            )
            self.changes.append(f"created role {name}")
            return str(created["id"])
        role_id = str(found[0]["id"])
        linked = False
        for access in await self._find("/access", f"reading the policies of role {name}", role=role_id):
            if str(access.get("policy")) == policy_id and not linked:
                linked = True
                continue
            await self._call("DELETE", f"/access/{access['id']}", f"detaching a policy from role {name}")
            self.changes.append(f"detached another policy from role {name}")
        if not linked:
            await self._call(
                "POST",
                "/access",
                f"attaching policy {name}",
                json_body={"role": role_id, "policy": policy_id},
            )
            self.changes.append(f"attached policy {name} to role {name}")
        return role_id

    async def _token_owner(self, token: str) -> str | None:
        """Whom `token` authenticates as (a user id), or None when it authenticates no one."""
        response = await self._send("GET", "/users/me", token=token, params={"fields": "id"})
        if response.status == 401:
            return None
        if response.status != 200:
            raise ProvisionError(f"checking a token: the CMS answered HTTP {response.status}")
        found = _data(response, "checking a token")
        return str(found.get("id")) if isinstance(found, dict) else None

    async def user(
        self, role_id: str, name: str, token: str, also_valid: frozenset[str] = frozenset()
    ) -> None:
        """The user `name` of the role, active, with no policy of its own, authenticated by `token`.

        `also_valid` holds ids of other users of ours the token may already authenticate (the other
        read slot, when a version was bumped without a new value): then nothing changes.
        """
        owner = await self._token_owner(token)
        if owner is not None and owner in also_valid:
            return
        found = await self._find("/users", f"reading user {name}", role=role_id, first_name=name)
        if len(found) > 1:
            raise ProvisionError(f"{len(found)} users of the role are named {name}; keep one")
        if not found:
            if owner is not None:
                raise ProvisionError(f"the token for {name} already authenticates another CMS user")
            await self._call(
                "POST",
                "/users",
                f"creating user {name}",
                json_body={
                    "first_name": name,
                    "last_name": MANAGED_BY,
                    "role": role_id,
                    "status": "active",
                    "token": token,
                },
            )
            self.changes.append(f"created user {name}")
            return
        user_id = str(found[0]["id"])
        if found[0].get("status") != "active":
            await self._call(
                "PATCH", f"/users/{user_id}", f"activating {name}", json_body={"status": "active"}
            )
            self.changes.append(f"activated user {name}")
        for access in await self._find("/access", f"reading the policies of user {name}", user=user_id):
            await self._call("DELETE", f"/access/{access['id']}", f"detaching a policy from user {name}")
            self.changes.append(f"detached a policy of its own from user {name}")
        if owner == user_id:
            return
        if owner is not None:
            raise ProvisionError(f"the token for {name} already authenticates another CMS user")
        await self._call(
            "PATCH", f"/users/{user_id}", f"setting the token of {name}", json_body={"token": token}
        )
        self.changes.append(f"set the token of user {name}")

    async def run(self, credentials: Credentials) -> list[str]:
        """Everything above, in order; returns what changed (empty: nothing)."""
        await self.log_in(credentials)
        try:
            await self.collection()
            reader_role = await self.role(READER, await self.policy(READER))
            writer_role = await self.role(WRITER, await self.policy(WRITER))
            slot = credentials.read_token_version % READER_SLOTS
            other = f"{READER}-{(slot + 1) % READER_SLOTS}"
            others = await self._find("/users", f"reading user {other}", role=reader_role, first_name=other)
            await self.user(
                reader_role,
                f"{READER}-{slot}",
                credentials.read_token,
                also_valid=frozenset(str(u["id"]) for u in others),
            )
            await self.user(writer_role, WRITER, credentials.writer_token)
        finally:
            await self.log_out()
        return self.changes


# --- the command --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProvisionRequest:
    cms_url: str
    ca_file: Path
    collection: str
    admin_email: str
    admin_password_file: Path
    admin_previous_password_file: Path | None
    read_token_file: Path
    read_token_version: int
    writer_token_file: Path
    timeout: float
    retries: int


def _parser() -> argparse.ArgumentParser:
    env = os.environ.get
    parser = cms_job.parser(
        "provision-cms",
        "Create the CMS's secrets collection, the BFF's read role and the writer role, and give their "
        "users the platform's tokens. Every option has an environment variable; passwords and tokens "
        "are read from files only.",
    )
    parser.add_argument(
        "--admin-email",
        default=env("CMS_ADMIN_EMAIL"),
        help="the first administrator's e-mail (CMS_ADMIN_EMAIL)",
    )
    parser.add_argument(
        "--admin-password-file",
        type=Path,
        default=env("CMS_ADMIN_PASSWORD_FILE"),
        help="file holding the administrator's password (CMS_ADMIN_PASSWORD_FILE)",
    )
    parser.add_argument(
        "--admin-previous-password-file",
        type=Path,
        default=env("CMS_ADMIN_PREVIOUS_PASSWORD_FILE"),
        help="file holding the previous version's password, if mounted (CMS_ADMIN_PREVIOUS_PASSWORD_FILE)",
    )
    parser.add_argument(
        "--read-token-file",
        type=Path,
        default=env("CMS_READ_TOKEN_FILE"),
        help="the BFF's token (CMS_READ_TOKEN_FILE)",
    )
    parser.add_argument(
        "--read-token-version",
        type=int,
        default=env("CMS_READ_TOKEN_VERSION"),
        help="its catalogue version, which picks its user slot (CMS_READ_TOKEN_VERSION)",
    )
    parser.add_argument(
        "--writer-token-file",
        type=Path,
        default=env("CMS_WRITER_TOKEN_FILE"),
        help="the writer Jobs' token (CMS_WRITER_TOKEN_FILE)",
    )
    cms_job.add_cms_options(parser, retries=5)
    return parser


def parse_request(argv: Sequence[str]) -> ProvisionRequest:
    """The run asked for; ProvisionError naming each missing or bad setting."""
    args = _parser().parse_args(list(argv))
    problems = cms_job.missing(
        [
            ("cms-url", args.cms_url),
            ("cms-ca-file", args.cms_ca_file),
            ("admin-email", args.admin_email),
            ("admin-password-file", args.admin_password_file),
            ("read-token-file", args.read_token_file),
            ("read-token-version", args.read_token_version),
            ("writer-token-file", args.writer_token_file),
        ]
    )
    problems += cms_job.cms_problems(args, max_retries=10)
    if args.admin_email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", args.admin_email):
        problems.append("--admin-email must be an e-mail address")
    if args.read_token_version is not None and int(args.read_token_version) < 1:
        problems.append("--read-token-version must be 1 or more")
    if problems:
        raise ProvisionError("\n".join(problems))
    return ProvisionRequest(
        cms_url=args.cms_url,
        ca_file=args.cms_ca_file,
        collection=args.collection,
        admin_email=args.admin_email,
        admin_password_file=args.admin_password_file,
        admin_previous_password_file=args.admin_previous_password_file or None,
        read_token_file=args.read_token_file,
        read_token_version=int(args.read_token_version),
        writer_token_file=args.writer_token_file,
        timeout=args.timeout,
        retries=args.retries,
    )


def read_credentials(request: ProvisionRequest) -> Credentials:
    """The mounted files' contents; the previous password only when its file exists (an optional
    Secret the kubelet did not find leaves no file)."""
    previous = request.admin_previous_password_file
    return Credentials(
        admin_email=request.admin_email,
        admin_password=cms_job.read_text(request.admin_password_file, "administrator's password"),
        admin_previous_password=(
            cms_job.read_text(previous, "administrator's previous password")
            if previous is not None and previous.exists()
            else None
        ),
        read_token=cms_job.read_text(request.read_token_file, "read token"),
        read_token_version=request.read_token_version,
        writer_token=cms_job.read_text(request.writer_token_file, "writer token"),
    )


async def run(request: ProvisionRequest) -> list[str]:
    """Read the mounted files, then provision; returns what changed."""
    credentials = read_credentials(request)
    client = cms_job.cms_client(request.cms_url, request.ca_file, request.timeout)
    try:
        return await CmsProvisioner(client, request.collection, request.retries).run(credentials)
    finally:
        await client.aclose()


def main(argv: Sequence[str]) -> int:
    """Exit 0 when the CMS is provisioned, 1 when it could not be, 2 on bad usage."""
    return cms_job.run_job(
        "provision-cms",
        argv,
        parse_request,
        run,
        failed=lambda request: "not provisioned",
        done=lambda request, changes: [
            *changes,
            f"{request.collection} provisioned ({len(changes)} change(s))",
        ],
    )
