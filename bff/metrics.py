"""Prometheus counters alerts can use: denials (401, 403, 429) and failures (5xx) by reason.

Labels are bounded: a status, a fixed reason, a known app name (or `unknown`). Never a secret name
asked for (a client could make those up), never a value.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """The BFF's metrics, in a registry of their own (one per app instance, so tests are isolated)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.responses = Counter(
            "bff_responses",
            "Responses to secret requests, by HTTP status and decision.",
            ["status", "decision"],
            registry=self.registry,
        )
        self.denials = Counter(
            "bff_denials",
            "Refused secret requests (401, 403, 429) by reason and app (`unknown` before one is known).",
            ["reason", "app"],
            registry=self.registry,
        )
        self.failures = Counter(
            "bff_failures",
            "Secret requests answered 5xx, by the dependency that failed.",
            ["dependency"],
            registry=self.registry,
        )
        self.cache = Counter(
            "bff_cache_lookups", "Sealed-cache lookups, by result.", ["result"], registry=self.registry
        )
        self.cms_requests = Counter(
            "bff_cms_requests", "Requests to the CMS, by outcome.", ["outcome"], registry=self.registry
        )
        self.jwks_refreshes = Counter(
            "bff_jwks_refreshes",
            "Fetches of the issuer's keys, by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.rate_limit_backend_errors = Counter(
            "bff_rate_limit_backend_errors",
            "Redis failures; the replica used its local share of the limits meanwhile.",
            registry=self.registry,
        )
        self.latency = Histogram(
            "bff_request_duration_seconds",
            "Time to answer a secret request.",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric."""
        return generate_latest(self.registry)
