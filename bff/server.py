"""Serving the app over HTTPS only (TLS 1.2 or newer) with uvicorn, uvloop and httptools."""

from __future__ import annotations

import json
import logging
import os
import ssl
import sys

import uvicorn

from bff.app import create_app
from bff.settings import Settings
from bff.wiring import build


def server_tls(cert_file: str, key_file: str) -> ssl.SSLContext:
    """The server's TLS context: TLS 1.2+, Python's default (forward-secret, AEAD) ciphers, HTTP/1.1."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION
    context.load_cert_chain(cert_file, key_file)
    context.set_alpn_protocols(["http/1.1"])
    return context


RELOAD_CHECK_SECONDS = 30
"""How often the served certificate's files are checked for a renewal (a `stat` each)."""


class CertificateReloader:
    """Loads the served certificate again when it is renewed, so new connections get it without a
    restart: cert-manager renews the pod's certificate a month before it expires, and the kubelet
    swaps the mounted files in place (kubernetes.io/docs/concepts/configuration/secret: mounted
    Secrets are updated), which a running server would otherwise never notice.

    A new pair is first loaded into a throw-away context: a pair read while the kubelet swaps the
    files (a new certificate, the old key) is refused there, and the server keeps its current pair
    until the next check. `load_cert_chain` on the serving context changes what later handshakes
    present; established connections keep theirs.
    """

    def __init__(self, context: ssl.SSLContext, cert_file: str, key_file: str) -> None:
        self._context = context
        self._files = (cert_file, key_file)
        self._identity = self._stat()
        self.reloads = 0

    def _stat(self) -> tuple[tuple[int, int, int, int], ...] | None:
        try:
            stats = [os.stat(path) for path in self._files]  # follows the kubelet's `..data` link
        except OSError:
            return None
        return tuple((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) for st in stats)

    def check(self) -> bool:
        """Reload if the files changed and hold a usable pair; True when the served pair changed."""
        identity = self._stat()
        if identity is None or identity == self._identity:
            return False
        try:
            server_tls(*self._files)  # the pair on its own first
            self._context.load_cert_chain(*self._files)
        except (OSError, ssl.SSLError):
            logging.getLogger("bff.tls").warning(
                "renewed certificate not usable yet; keeping the current one"
            )
            return False
        self._identity = identity
        self.reloads += 1
        logging.getLogger("bff.tls").info("serving the renewed certificate")
        return True

    async def acheck(self) -> None:
        """`check` as uvicorn's periodic callback (`callback_notify`, every `timeout_notify` seconds)."""
        self.check()


class JsonLines(logging.Formatter):
    """Service logs as JSON lines (like the audit lines), without tracebacks."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "type": "log",
                "level": record.levelname.lower(),
                "logger": record.name,
                "message": record.getMessage(),
            }
        )


def configure_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)


def serve(settings: Settings) -> None:
    """Build every part (raising on bad configuration), then serve until SIGTERM."""
    tls = server_tls(str(settings.tls_cert_file), str(settings.tls_key_file))
    reloader = CertificateReloader(tls, str(settings.tls_cert_file), str(settings.tls_key_file))
    app = create_app(build(settings))
    configure_logging()
    config = uvicorn.Config(
        app,
        host=settings.listen_address,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        log_config=None,
        access_log=False,  # the audit line is the access log
        server_header=False,
        proxy_headers=False,  # X-Forwarded-For is read by bff.network, from trusted proxies only
        timeout_keep_alive=30,
        timeout_graceful_shutdown=20,
        ssl_context_factory=lambda config, default: tls,
        # uvicorn calls this on its loop every `timeout_notify` seconds (uvicorn/server.py `on_tick`).
        callback_notify=reloader.acheck,
        timeout_notify=RELOAD_CHECK_SECONDS,
    )
    uvicorn.Server(config).run()
