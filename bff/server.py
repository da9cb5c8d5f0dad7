"""Serving the app over HTTPS only (TLS 1.2 or newer) with uvicorn, uvloop and httptools."""

from __future__ import annotations

import json
import logging
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
    )
    uvicorn.Server(config).run()
