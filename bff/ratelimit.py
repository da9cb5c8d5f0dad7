"""Rate limits per app and per client IP that hold for the BFF as a whole, not per replica.

The algorithm is GCRA (the generic cell rate algorithm, as in ATM networks and redis-cell): a limit
of N a minute admits a burst of N, then one request every 60/N seconds; the state is one number
per key (the theoretical arrival time), and the answer carries an exact Retry-After.

With `REDIS_URL`, every replica updates the same key in Redis, atomically (one Lua script, Redis's
own clock), so N holds across replicas. Without Redis, each replica admits N // BFF_REPLICAS
(at least 1): the sum over replicas stays within N, though an app whose requests all land on one
replica gets only its share. If Redis stops answering, the replica falls back to that local
share until Redis answers again: the limit still holds, the service stays up.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

WINDOW_MS = 60_000
REDIS_RETRY_AFTER_FAILURE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    retry_after_seconds: int = 0
    """Whole seconds until a request would be admitted (for `Retry-After`); 0 when allowed."""


def gcra_params(limit_per_minute: int) -> tuple[int, int]:
    """(emission interval, burst tolerance) in milliseconds for a limit of N a minute."""
    interval = math.ceil(WINDOW_MS / limit_per_minute)
    return interval, interval * (limit_per_minute - 1)


def gcra(tat: float | None, now: float, interval: int, tolerance: int) -> tuple[bool, float, float]:
    """One GCRA step (all in ms): (allowed, new theoretical arrival time, wait before retry)."""
    tat = now if tat is None or tat < now else tat
    if tat - now > tolerance:
        return False, tat, tat - now - tolerance
    return True, tat + interval, 0.0


def _decision(allowed: bool, wait_ms: float) -> Decision:
    return Decision(True) if allowed else Decision(False, max(1, math.ceil(wait_ms / 1000)))


class Limiter(Protocol):
    async def hit(self, key: str, limit_per_minute: int) -> Decision: ...


class LocalLimiter:
    """GCRA in this process's memory: this replica's share of each limit (limit // replicas, >= 1).

    Bounded in keys: the least recently admitted key's state is dropped first.
    """

    def __init__(
        self, replicas: int = 1, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._replicas = replicas
        self._tat: OrderedDict[str, float] = OrderedDict()
        self._max_keys = max_keys
        self._clock = clock

    def share(self, limit_per_minute: int) -> int:
        return max(1, limit_per_minute // self._replicas)

    async def hit(self, key: str, limit_per_minute: int) -> Decision:
        now = self._clock() * 1000
        interval, tolerance = gcra_params(self.share(limit_per_minute))
        allowed, tat, wait = gcra(self._tat.get(key), now, interval, tolerance)
        if allowed:
            self._tat[key] = tat
            self._tat.move_to_end(key)
            while len(self._tat) > self._max_keys:
                self._tat.popitem(last=False)
        return _decision(allowed, wait)


# The same step as `gcra`, run atomically inside Redis with Redis's clock (all replicas agree on it).
# Numbers stay integers below 2^53 (milliseconds) so Lua's doubles hold them exactly.
GCRA_LUA = """
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
if tat - now > tolerance then
  return {0, tat - now - tolerance}
end
local new = tat + interval
redis.call('SET', KEYS[1], string.format('%d', new), 'PX', new - now + 1000)
return {1, 0}
"""


class SharedLimiter:
    """GCRA in Redis, shared by all replicas; the local share while Redis is unreachable."""

    def __init__(
        self,
        redis: object,
        fallback: Limiter,
        on_backend_error: Callable[[], None] = lambda: None,
        prefix: str = "bff:rl:",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._redis = redis
        self._script = redis.register_script(GCRA_LUA)  # type: ignore[attr-defined]
        self._fallback = fallback
        self._on_backend_error = on_backend_error
        self._prefix = prefix
        self._clock = clock
        self._down_until = 0.0

    async def hit(self, key: str, limit_per_minute: int) -> Decision:
        if self._clock() >= self._down_until:
            interval, tolerance = gcra_params(limit_per_minute)
            try:
                allowed, wait = await self._script(keys=[self._prefix + key], args=[interval, tolerance])
            except Exception:  # any Redis or network failure: the limit falls back, it never opens
                self._down_until = self._clock() + REDIS_RETRY_AFTER_FAILURE_SECONDS
                self._on_backend_error()
            else:
                return _decision(bool(allowed), float(wait))
        return await self._fallback.hit(key, limit_per_minute)


@dataclass(frozen=True)
class RateLimits:
    """The two limits of a request: the client IP's (before the token is looked at), then the app's."""

    limiter: Limiter
    ip_limit_per_minute: int

    async def check_ip(self, ip: str) -> Decision:
        return await self.limiter.hit("ip:" + ip, self.ip_limit_per_minute)

    async def check_app(self, app: str, limit_per_minute: int) -> Decision:
        return await self.limiter.hit("app:" + app, limit_per_minute)
