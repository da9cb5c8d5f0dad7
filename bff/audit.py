"""One JSON line per request on stdout: who asked for which secret, and what they got.

Fields: time (UTC, RFC 3339), app, secret (the name asked for), decision, status, latency_ms,
client_ip. Never a value, a token, a header or an exception message: the event type below has no
field that could hold one, and the name is cut to a bounded length.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Literal, TextIO

MAX_NAME_CHARS = 128

Decision = Literal[
    "allowed",  # 200: the value was served
    "not-found",  # 404: a granted name the CMS does not hold
    "unauthenticated",  # 401: no, bad or expired token, or a token of no known app
    "forbidden",  # 403: a name outside the app's grants
    "network-denied",  # 403: a client outside the allow-list
    "rate-limited-ip",  # 429
    "rate-limited-app",  # 429
    "unavailable",  # 503: the CMS or the issuer cannot be reached (fail closed)
    "error",  # 500
]


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """What the audit line of one request holds."""

    app: str | None
    secret: str | None
    decision: Decision
    status: int
    latency_ms: float
    client_ip: str


class AuditLog:
    """Writes audit events as JSON lines (stdout in the pod: the cluster's log pipeline keeps them)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stdout

    def write(self, event: AuditEvent) -> None:
        record = {"time": datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="milliseconds")}
        record.update(asdict(event))
        record["latency_ms"] = round(event.latency_ms, 3)
        if event.secret is not None:
            record["secret"] = event.secret[:MAX_NAME_CHARS]
        record["type"] = "audit"
        self._stream.write(json.dumps(record, separators=(",", ":"), ensure_ascii=True) + "\n")
        self._stream.flush()
