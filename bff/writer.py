"""`python -m bff write-secret`: put one version of a mobile secret into the CMS.

Run as a Kubernetes Job per secret version (the platform's next step): it reads the versioned
Secret mounted as a directory (one file per data key) and upserts `{name, version, data}` into the
CMS collection with a token that may write only that collection. Idempotent and monotonic:
- a version already stored, or a newer one, is left alone (exit 0);
- a missing item is created; an older one is updated in place (one PATCH), so readers see the
  previous value until the new one is stored, never a gap.
Arguments are paths and names only: a value or a token never passes through argv (visible in
`ps` and in the pod spec).
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
from bff.apps import SECRET_NAME
from bff.cms import DATA_KEY
from bff.cms_job import JobError
from bff.http11 import Requester, Response
from bff.upstream import UpstreamUnavailable, with_retries

EXIT_OK, EXIT_FAILED, EXIT_USAGE = cms_job.EXIT_OK, cms_job.EXIT_FAILED, cms_job.EXIT_USAGE


class WriteError(JobError):
    """Why a write failed; the message never holds a value or a token."""


@dataclass(frozen=True)
class WriteRequest:
    name: str
    version: int
    secret_dir: Path
    cms_url: str
    ca_file: Path
    token_file: Path
    collection: str
    timeout: float
    retries: int


def read_secret_dir(directory: Path) -> dict[str, str]:
    """Data key -> value from a mounted Secret (skips the kubelet's `..data` and other dot entries)."""
    if not directory.is_dir():
        raise WriteError(f"{directory}: not a directory")
    data: dict[str, str] = {}
    for entry in sorted(directory.iterdir()):
        if entry.name.startswith(".") or not entry.is_file():
            continue
        if not re.match(DATA_KEY, entry.name):
            raise WriteError(f"{entry.name!r}: not a Secret data key")
        try:
            data[entry.name] = entry.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise WriteError(f"{entry.name}: not UTF-8 text (the CMS stores text values)") from None
    if not data:
        raise WriteError(f"{directory}: holds no data key")
    return data


class CmsWriter:
    """Reads the stored version and writes a newer one with the writer token."""

    def __init__(self, client: Requester, token: str, collection: str, retries: int) -> None:
        self._client = client
        self._auth = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self._items = f"/items/{collection}"
        self._retries = retries

    async def _call(self, method: str, url: str, **kwargs: Any) -> Response:
        async def attempt() -> Response:
            return await self._client.request(method, url, headers=self._auth, **kwargs)

        try:
            return await with_retries(attempt, self._retries, "CMS")
        except UpstreamUnavailable as error:
            raise WriteError(str(error)) from None

    async def stored_version(self, name: str) -> int | None:
        """The version the CMS holds for `name`, None when it holds no such item."""
        response = await self._call(
            "GET", self._items, params={"filter[name][_eq]": name, "fields": "name,version", "limit": "1"}
        )
        if response.status != 200:
            raise WriteError(f"reading {name}: the CMS answered HTTP {response.status}")
        try:
            items = response.json()["data"]
        except (ValueError, KeyError, TypeError):
            raise WriteError(f"reading {name}: the CMS answer has no data list") from None
        if not items:
            return None
        version = items[0].get("version") if isinstance(items[0], dict) else None
        if not isinstance(version, int):
            raise WriteError(f"reading {name}: the stored version is not an integer")
        return version

    async def write(self, name: str, version: int, data: dict[str, str]) -> str:
        """Create or update; returns what happened: `created`, `updated` or `unchanged`."""
        stored = await self.stored_version(name)
        if stored is not None and stored >= version:
            return "unchanged"
        if stored is None:
            body = {"name": name, "version": version, "data": data}
            response = await self._call("POST", self._items, json_body=body)
            if response.status in (200, 204):
                return "created"
            # 400 RECORD_NOT_UNIQUE: another writer created it meanwhile; compare again and update.
            stored = await self.stored_version(name) if response.status == 400 else None
            if stored is None:
                raise WriteError(f"creating {name}: the CMS answered HTTP {response.status}")
            if stored >= version:
                return "unchanged"
        response = await self._call(
            "PATCH", f"{self._items}/{name}", json_body={"version": version, "data": data}
        )
        if response.status not in (200, 204):
            raise WriteError(f"updating {name}: the CMS answered HTTP {response.status}")
        return "updated"


def _parser() -> argparse.ArgumentParser:
    env = os.environ.get
    parser = cms_job.parser(
        "write-secret",
        "Store one version of a mobile secret in the CMS. Every option has an environment variable; "
        "values and tokens are read from files only.",
    )
    parser.add_argument(
        "--name", default=env("WRITER_SECRET_NAME"), help="catalogue secret (WRITER_SECRET_NAME)"
    )
    parser.add_argument(
        "--version",
        type=int,
        default=env("WRITER_SECRET_VERSION"),
        help="its version (WRITER_SECRET_VERSION)",
    )
    parser.add_argument(
        "--secret-dir",
        type=Path,
        default=env("WRITER_SECRET_DIR"),
        help="where the versioned Secret is mounted, one file per data key (WRITER_SECRET_DIR)",
    )
    parser.add_argument(
        "--token-file",
        type=Path,
        default=env("WRITER_TOKEN_FILE"),
        help="file holding the CMS writer token (WRITER_TOKEN_FILE)",
    )
    cms_job.add_cms_options(parser, retries=3)
    return parser


def parse_request(argv: Sequence[str]) -> WriteRequest:
    """The write asked for; WriteError naming each missing or bad setting."""
    args = _parser().parse_args(list(argv))
    problems = cms_job.missing(
        [
            ("name", args.name),
            ("version", args.version),
            ("secret-dir", args.secret_dir),
            ("cms-url", args.cms_url),
            ("cms-ca-file", args.cms_ca_file),
            ("token-file", args.token_file),
        ]
    )
    if args.name and not re.match(SECRET_NAME, args.name):
        problems.append("--name must be a catalogue secret name (lower-case letters, digits, dashes)")
    if args.version is not None and int(args.version) < 1:
        problems.append("--version must be 1 or more")
    problems += cms_job.cms_problems(args, max_retries=5)
    if problems:
        raise WriteError("\n".join(problems))
    return WriteRequest(
        args.name,
        int(args.version),
        args.secret_dir,
        args.cms_url,
        args.cms_ca_file,
        args.token_file,
        args.collection,
        args.timeout,
        args.retries,
    )


async def run(request: WriteRequest) -> str:
    """Read the mounted Secret and the token, then write; returns what happened."""
    data = read_secret_dir(request.secret_dir)
    token = cms_job.read_text(request.token_file, "writer token")
    client = cms_job.cms_client(request.cms_url, request.ca_file, request.timeout)
    try:
        return await CmsWriter(client, token, request.collection, request.retries).write(
            request.name, request.version, data
        )
    finally:
        await client.aclose()


def main(argv: Sequence[str]) -> int:
    """Exit 0 when the CMS holds this version or a newer one, 1 when the write failed, 2 on bad usage."""
    return cms_job.run_job(
        "write-secret",
        argv,
        parse_request,
        run,
        failed=lambda request: f"{request.name} v{request.version} not written",
        done=lambda request, outcome: [f"{request.name} v{request.version} {outcome}"],
    )
