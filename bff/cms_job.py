"""What the CMS Jobs' subcommands share (`write-secret`, `provision-cms`): the CMS connection's options
and their checks, files read as text, a client that trusts only the CMS's CA, and the exit codes.

Both run once in a Kubernetes Job, take every setting from an option or its environment variable,
read passwords and tokens from mounted files only (never argv, which `ps` and the pod spec show),
and exit 0 done, 1 failed, 2 bad usage, with one line per problem and never a value.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from bff.cms import COLLECTION
from bff.http11 import Http11Client
from bff.mounted import MountedFileError, read_secret_file
from bff.upstream import client_tls

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

Request = TypeVar("Request")
Result = TypeVar("Result")


class JobError(Exception):
    """Why a Job's run failed or its settings are bad; the message never holds a value or a token."""


def parser(subcommand: str, description: str) -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog=f"python -m bff {subcommand}",
        # No abbreviations: `--token <value>` must fail, not pass for `--token-file`.
        allow_abbrev=False,
        description=description,
    )


def add_cms_options(parser: argparse.ArgumentParser, retries: int) -> None:
    """--cms-url, --cms-ca-file, --collection, --timeout, --retries, each with its variable."""
    env = os.environ.get
    parser.add_argument("--cms-url", default=env("CMS_URL"), help="https:// base URL of the CMS (CMS_URL)")
    parser.add_argument(
        "--cms-ca-file", type=Path, default=env("CMS_CA_FILE"), help="CA of the CMS (CMS_CA_FILE)"
    )
    parser.add_argument(
        "--collection",
        default=env("CMS_COLLECTION", "mobile_secrets"),
        help="CMS collection (CMS_COLLECTION)",
    )
    parser.add_argument("--timeout", type=float, default=float(env("UPSTREAM_TIMEOUT_SECONDS", "10")))
    parser.add_argument("--retries", type=int, default=int(env("UPSTREAM_RETRIES", str(retries))))


def missing(settings: Sequence[tuple[str, object]]) -> list[str]:
    """`--<flag> is required` for each (flag, value) without a value."""
    return [f"--{flag} is required" for flag, value in settings if value in (None, "")]


def cms_problems(args: argparse.Namespace, max_retries: int) -> list[str]:
    """What is wrong with the CMS options (their presence is checked with `missing`)."""
    problems = []
    if args.cms_url and not str(args.cms_url).startswith("https://"):
        problems.append("--cms-url must be an https:// URL")
    if not re.match(COLLECTION, args.collection):
        problems.append("--collection must be a collection name")
    if not 0 <= args.retries <= max_retries or not 0 < args.timeout <= 60:
        problems.append(f"--retries must be 0 to {max_retries} and --timeout 0 to 60 seconds")
    return problems


def read_text(path: Path, what: str) -> str:
    """A mounted file's text (without a trailing newline); JobError naming `what`, never the content."""
    try:
        return read_secret_file(path).decode("utf-8")
    except MountedFileError as error:
        raise JobError(f"{what}: {error}") from None
    except UnicodeDecodeError:
        raise JobError(f"{what}: not text") from None


def cms_client(url: str, ca_file: Path, timeout: float) -> Http11Client:
    """One keep-alive connection to the CMS, trusting only `ca_file` (TLS 1.2+)."""
    try:
        tls = client_tls(ca_file)
    except OSError as error:
        raise JobError(f"{ca_file}: cannot be read as a CA bundle ({error.strerror or 'bad PEM'})") from None
    return Http11Client(url, tls, timeout, max_connections=1)


def run_job(
    subcommand: str,
    argv: Sequence[str],
    parse: Callable[[Sequence[str]], Request],
    run: Callable[[Request], Awaitable[Result]],
    failed: Callable[[Request], str],
    done: Callable[[Request, Result], list[str]],
) -> int:
    """Parse (exit 2 on bad usage), run (exit 1 on a JobError, prefixed by `failed(request)`), print
    `done(request, result)` and exit 0."""
    prefix = f"bff {subcommand}:"
    try:
        request = parse(argv)
    except JobError as error:
        for line in str(error).splitlines():
            print(f"{prefix} {line}", file=sys.stderr)
        return EXIT_USAGE
    try:
        result: Any = asyncio.run(run(request))  # type: ignore[arg-type]
    except JobError as error:
        print(f"{prefix} {failed(request)}: {error}", file=sys.stderr)
        return EXIT_FAILED
    for line in done(request, result):
        print(f"{prefix} {line}")
    return EXIT_OK
