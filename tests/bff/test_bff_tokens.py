"""Token verification and the issuer's key cache, without a server (a fake URL getter and clock)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from bff.http11 import TransportError
from bff.tokens import IssuerUnavailable, JwksCache, TokenRejected, TokenVerifier, client_id, parse_jwks
from tests.bff._fakes import AUDIENCE, EC, ISSUER, RSA, FakeClient, Request, World, answer
from tests.bff._issuer import SigningKey


def cache(world: World, issuer: Callable[[Request], Any] | None = None, **options: Any) -> JwksCache:
    """The key cache over `world`'s issuer (or `issuer`), on `world`'s clock."""
    settings = {"max_age": 300, "refresh_min_interval": 30, "max_keys": 16, "retries": 0, **options}
    served = FakeClient(ISSUER.rstrip("/"), issuer or world.issuer)
    return JwksCache(served.get_url, ISSUER, clock=world.clock, **settings)


def verifier(world: World, keys: JwksCache | None = None, wall_clock: Any = time.time) -> TokenVerifier:
    return TokenVerifier(
        keys or cache(world),
        issuer=ISSUER,
        audience=AUDIENCE,
        algorithms=("RS256", "ES256"),
        leeway_seconds=30,
        wall_clock=wall_clock,
    )


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


# --- the JWKS document --------------------------------------------------------------------------------


def test_only_asymmetric_signing_keys_with_a_kid_are_kept() -> None:
    document = {
        "keys": [
            RSA.jwk(),
            {"kty": "oct", "kid": "hmac", "k": base64.urlsafe_b64encode(b"secret").decode()},
            {**EC.jwk(), "kid": "enc-key", "use": "enc"},
            {**RSA.jwk(), "kid": None},
            {**RSA.jwk(), "kid": "weird-alg", "alg": "HS256"},
            {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
            "not a key",
            EC.jwk(),
        ]
    }
    assert sorted(parse_jwks(document, max_keys=16)) == ["ec-1", "rsa-1"]


def test_the_number_of_keys_kept_is_bounded() -> None:
    keys = [{**EC.jwk(), "kid": f"k{i}"} for i in range(50)]
    assert len(parse_jwks({"keys": keys}, max_keys=5)) == 5


def test_a_document_without_keys_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_jwks({"nokeys": []}, max_keys=5)


@pytest.mark.parametrize(
    ("kid", "alg", "fits"),
    [
        ("rsa-1", "RS256", True),
        ("rsa-1", "PS256", False),
        ("rsa-1", "ES256", False),
        ("ec-1", "ES256", True),
        ("ec-1", "ES384", False),
        ("ec-1", "RS256", False),
    ],
)
def test_a_key_verifies_only_its_own_algorithm(kid: str, alg: str, fits: bool) -> None:
    keys = parse_jwks({"keys": [RSA.jwk(), EC.jwk()]}, max_keys=4)
    assert keys[kid].fits(alg) is fits


# --- the key cache ------------------------------------------------------------------------------------


def test_keys_are_fetched_once_and_refreshed_when_stale() -> None:
    world = World()
    keys = cache(world)
    run(keys.key("rsa-1"))
    run(keys.key("ec-1"))
    assert world.jwks_requests == 1
    world.clock.advance(301)
    run(keys.key("rsa-1"))
    assert world.jwks_requests == 2


def test_an_unknown_kid_refreshes_at_most_once_per_interval() -> None:
    world = World()
    keys = cache(world)
    run(keys.key("rsa-1"))
    world.clock.advance(31)
    for kid in ("ghost-1", "ghost-2", "ghost-3"):
        with pytest.raises(TokenRejected) as caught:
            run(keys.key(kid))
        assert caught.value.reason == "unknown-kid"
    assert world.jwks_requests == 2, "one refresh for the first unknown kid, none for the next two"
    newcomer = SigningKey("rsa-2", "RS256")
    world.keys.append(newcomer)
    world.clock.advance(31)
    assert run(keys.key("rsa-2")).kid == "rsa-2"
    assert world.jwks_requests == 3


def test_concurrent_requests_share_one_fetch() -> None:
    world = World()
    keys = cache(world)

    async def many() -> None:
        await asyncio.gather(*(keys.key("rsa-1") for _ in range(20)))

    run(many())
    assert world.jwks_requests == 1


def test_an_unreachable_issuer_keeps_known_keys_until_they_are_stale() -> None:
    world = World()
    keys = cache(world)
    run(keys.key("rsa-1"))
    world.issuer_up = False
    assert run(keys.key("rsa-1")).kid == "rsa-1"
    world.clock.advance(31)
    with pytest.raises(IssuerUnavailable):
        run(keys.key("kid-we-cannot-check"))
    world.clock.advance(300)
    with pytest.raises(IssuerUnavailable):
        run(keys.key("rsa-1"))
    world.issuer_up = True
    world.clock.advance(3)
    assert run(keys.key("rsa-1")).kid == "rsa-1"


def test_discovery_must_name_the_same_issuer_and_an_https_jwks_uri() -> None:
    for document in (
        {"issuer": "https://evil.test/", "jwks_uri": ISSUER + "jwks"},
        {"issuer": ISSUER, "jwks_uri": "http://issuer.test/jwks"},
    ):
        world = World()

        def issuer(request: Request, document: dict[str, str] = document) -> Any:
            return answer(200, document)

        keys = cache(world, issuer)
        with pytest.raises(IssuerUnavailable):
            run(keys.key("rsa-1"))


def test_the_discovery_url_drops_a_trailing_slash() -> None:
    assert cache(World()).discovery_url == "https://issuer.test/.well-known/openid-configuration"


def test_retries_are_bounded() -> None:
    calls = []

    def flaky(request: Request) -> Any:
        calls.append(request.path)
        raise TransportError("ConnectionResetError")

    keys = cache(World(), flaky, retries=2)
    with pytest.raises(IssuerUnavailable):
        run(keys.key("rsa-1"))
    assert len(calls) == 3


# --- the verifier -------------------------------------------------------------------------------------


def test_a_good_token_gives_its_claims() -> None:
    world = World()
    claims = run(verifier(world).verify(world.token("shopper-ios")))
    assert claims["client_id"] == "shopper-ios" and claims["aud"] == AUDIENCE


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": int(time.time()) - 31}, "expired"),
        ({"nbf": int(time.time()) + 120}, "not-yet-valid"),
        ({"aud": "other"}, "audience"),
        ({"iss": "https://evil.test/"}, "issuer"),
        ({"exp": None}, "claims"),
    ],
)
def test_claims_are_checked(claims: dict[str, Any], reason: str) -> None:
    world = World()
    with pytest.raises(TokenRejected) as caught:
        run(verifier(world).verify(world.token("shopper-ios", **claims)))
    assert caught.value.reason == reason


def test_the_leeway_tolerates_small_clock_skew() -> None:
    world = World()
    now = int(time.time())
    assert run(verifier(world).verify(world.token("a", exp=now - 10, nbf=now + 10)))["client_id"] == "a"


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ({"alg": "none", "kid": "rsa-1"}, "algorithm"),
        ({"alg": "HS256", "kid": "rsa-1"}, "algorithm"),
        ({"alg": "RS256"}, "unknown-kid"),
        ({"alg": "RS256", "kid": 7}, "malformed"),  # PyJWT itself refuses a non-string kid
    ],
)
def test_headers_are_checked_before_any_key_is_used(header: dict[str, Any], reason: str) -> None:
    world = World()
    segment = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(b'{"client_id":"a"}').rstrip(b"=").decode()
    with pytest.raises(TokenRejected) as caught:
        run(verifier(world).verify(f"{segment}.{body}.c2ln"))
    assert caught.value.reason == reason
    assert world.jwks_requests == 0


def test_a_remembered_token_is_still_checked_for_expiry_and_its_key() -> None:
    world, wall = World(), [time.time()]
    keys = cache(world)
    check = verifier(world, keys, wall_clock=lambda: wall[0])
    token = world.token("shopper-ios")
    run(check.verify(token))
    run(check.verify(token))
    assert world.jwks_requests == 1
    wall[0] += 600 + 30
    with pytest.raises(TokenRejected) as caught:
        run(check.verify(token))
    assert caught.value.reason == "expired"
    # A key the issuer withdraws stops a remembered token at the next refresh.
    second = world.token("shopper-ios", key=EC)
    wall[0] = time.time()
    run(check.verify(second))
    world.keys = [RSA]
    world.clock.advance(301)
    with pytest.raises(TokenRejected) as caught:
        run(check.verify(second))
    assert caught.value.reason == "unknown-kid"


def test_the_memo_holds_digests_not_tokens() -> None:
    world = World()
    check = verifier(world)
    token = world.token("shopper-ios")
    run(check.verify(token))
    assert all(isinstance(k, bytes) and len(k) == 32 for k in check._verified)
    assert token.encode() not in check._verified


@pytest.mark.parametrize(
    ("claims", "app"),
    [
        ({"client_id": "a"}, "a"),
        ({"azp": "a"}, "a"),
        ({"azp": "a", "client_id": "a"}, "a"),
        ({"azp": "a", "client_id": "b"}, None),
        ({"client_id": ""}, None),
        ({"client_id": 5}, None),
        ({}, None),
    ],
)
def test_the_app_is_the_tokens_client_id(claims: dict[str, Any], app: str | None) -> None:
    assert client_id(claims) == app


def test_pyjwt_refuses_to_sign_hmac_with_a_public_key_too() -> None:
    """Belt and braces: even if HS256 were allowed, PyJWT will not take a PEM key as an HMAC secret."""
    with pytest.raises(jwt.InvalidKeyError):
        jwt.encode({"a": 1}, RSA.public_pem, "HS256")
