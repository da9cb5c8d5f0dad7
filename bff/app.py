"""The web layer: HTTP in, `SecretService` decides, HTTP, an audit line and metrics out.

Routes: `GET /v1/secrets/{name}` for apps; `/healthz`, `/readyz` and `/metrics` for the cluster
only. The cluster endpoints answer direct connections (the kubelet, Prometheus) and 404 to anything
a trusted proxy forwarded, so the public ingress cannot reach them.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bff.audit import AuditEvent, AuditLog
from bff.metrics import CONTENT_TYPE, Metrics
from bff.network import Client
from bff.service import NOT_FOUND, Outcome, SecretService

# Every answer: never stored by a cache or a browser, never sniffed, HTTPS only from now on.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": "max-age=31536000",
}
READINESS_CACHE_SECONDS = 2.0
HTTP_ERRORS = {404: "not_found", 405: "method_not_allowed"}


def json_response(status: int, body: dict[str, object], headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status, headers={**SECURITY_HEADERS, **(headers or {})})


class Readiness:
    """Ready when the CMS collection is readable and fresh issuer keys are held; cached briefly so
    probes (or anyone inside the cluster) cannot turn `/readyz` into load on the CMS."""

    def __init__(self, checks: list[Callable[[], Awaitable[bool]]], clock: Callable[[], float]) -> None:
        self._checks = checks
        self._clock = clock
        self._checked_at: float | None = None
        self._ready = False

    async def ready(self) -> bool:
        now = self._clock()
        if self._checked_at is None or now - self._checked_at >= READINESS_CACHE_SECONDS:
            self._ready, self._checked_at = await self._all_pass(), self._clock()
        return self._ready

    async def _all_pass(self) -> bool:
        for check in self._checks:
            try:
                if not await check():
                    return False
            except Exception:  # a check that cannot tell is a "not ready", never a 500
                return False
        return True


@dataclass
class Parts:
    """What the web layer stands on (built by `wiring.build` from the settings, or fakes in tests)."""

    service: SecretService
    readiness: Readiness
    metrics: Metrics
    audit: AuditLog
    on_shutdown: Callable[[], Awaitable[None]] | None = None


def create_app(parts: Parts) -> Starlette:
    """The ASGI app."""
    service, metrics, audit = parts.service, parts.metrics, parts.audit

    def client_of(request: Request) -> Client:
        peer = request.client.host if request.client else None
        return service.network.resolve(peer, request.headers.get("x-forwarded-for"))

    async def get_secret(request: Request) -> Response:
        started = time.perf_counter()
        name: str = request.path_params["name"]
        client = client_of(request)
        try:
            if name:
                outcome = await service.get_secret(name, request.headers.get("authorization"), client)
            else:  # `/v1/secrets/`: no name at all
                outcome = Outcome(404, "not-found", NOT_FOUND)
        except Exception as error:  # never a traceback (or its messages) in the logs or the answer
            metrics.failures.labels(type(error).__name__[:64]).inc()
            outcome = Outcome(500, "error", {"error": "internal"})
        latency = time.perf_counter() - started
        metrics.responses.labels(str(outcome.status), outcome.decision).inc()
        metrics.latency.observe(latency)
        audit.write(
            AuditEvent(outcome.app, name, outcome.decision, outcome.status, latency * 1000, client.label)
        )
        return json_response(outcome.status, outcome.body, outcome.headers)

    def cluster_only(
        endpoint: Callable[[Request], Awaitable[Response]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def guarded(request: Request) -> Response:
            if client_of(request).proxied:
                return json_response(404, {"error": "not_found"})
            return await endpoint(request)

        return guarded

    async def healthz(request: Request) -> Response:
        return json_response(200, {"status": "ok"})

    async def readyz(request: Request) -> Response:
        ready = await parts.readiness.ready()
        return json_response(200 if ready else 503, {"status": "ready" if ready else "not_ready"})

    async def metrics_endpoint(request: Request) -> Response:
        return Response(metrics.exposition(), 200, headers=SECURITY_HEADERS, media_type=CONTENT_TYPE)

    async def http_error(request: Request, error: Exception) -> Response:
        status = error.status_code if isinstance(error, HTTPException) else 500
        return json_response(status, {"error": HTTP_ERRORS.get(status, "error")})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if parts.on_shutdown is not None:
            await parts.on_shutdown()

    app = Starlette(
        routes=[
            Route("/v1/secrets/{name:path}", get_secret, methods=["GET"]),
            Route("/healthz", cluster_only(healthz), methods=["GET"]),
            Route("/readyz", cluster_only(readyz), methods=["GET"]),
            Route("/metrics", cluster_only(metrics_endpoint), methods=["GET"]),
        ],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False  # one spelling per route; no redirect to follow
    return app
