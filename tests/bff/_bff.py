"""The BFF as a process, started exactly as the image starts it (`python -m bff serve`)."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.bff._pki import Pki
from tests.bff._procs import free_port, start, stop, wait_until

ROOT = Path(__file__).resolve().parents[2]
# What follows the interpreter in bff/Dockerfile's ENTRYPOINT + CMD (tests/bff/test_bff_image.py
# checks that the two agree).
ENTRY_POINT = ["-m", "bff", "serve"]
START_TIMEOUT = 30.0


def tls_client_context(pki: Pki) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(pki.ca_file))


class BffProcess:
    """One BFF replica with its environment, logs (stdout + stderr) and an HTTPS client factory."""

    def __init__(self, name: str, workdir: Path, pki: Pki, env: dict[str, str]) -> None:
        self.name = name
        self.pki = pki
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.log = workdir / f"{name}.log"
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LISTEN_ADDRESS": "127.0.0.1",
            "PORT": str(self.port),
            "TLS_CERT_FILE": str(pki.cert_file),
            "TLS_KEY_FILE": str(pki.key_file),
            **env,
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = start([sys.executable, *ENTRY_POINT], self.env, self.log, ROOT)
        with self.client(direct=True) as client:
            wait_until(
                lambda: client.get("/healthz").status_code == 200, START_TIMEOUT, self.name, self.process
            )

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)

    def client(
        self, ip: str | None = None, *, direct: bool = False, local_address: str | None = None, **kwargs: Any
    ) -> httpx.Client:
        """An HTTPS client; `ip` is sent as X-Forwarded-For (the test runner is the trusted proxy)."""
        headers = {} if direct or ip is None else {"X-Forwarded-For": ip}
        transport = httpx.HTTPTransport(verify=tls_client_context(self.pki), local_address=local_address)
        return httpx.Client(base_url=self.url, transport=transport, headers=headers, timeout=30, **kwargs)

    def logs(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def audit_lines(self) -> list[dict[str, Any]]:
        lines = []
        for line in self.logs().splitlines():
            if line.startswith("{"):
                record = json.loads(line)
                if record.get("type") == "audit":
                    lines.append(record)
        return lines
