"""The web layer over fake transports, walked through the OWASP API Security Top 10 (2023).

Each test names the risk it covers. The network is faked (tests/bff/_fakes.py); the token checks,
grants, cache, limits and HTTP mapping are the real code. The same behaviours are proved against a
real Directus, issuer and Redis in test_bff_e2e.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from starlette.testclient import TestClient

from tests.bff._fakes import EC, World, answer, app_for
from tests.bff._issuer import SigningKey

CLIENT = ("198.51.100.7", 50000)
PROXY = ("10.1.2.3", 50000)


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def http(world: World) -> Iterator[TestClient]:
    with TestClient(app_for(world), base_url="https://bff.test", client=CLIENT) as client:
        yield client


def get(http: TestClient, name: str, token: str | None, **headers: str) -> httpx.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return http.get(f"/v1/secrets/{name}", headers=headers)


def test_happy_path_returns_exactly_name_version_and_data(http: TestClient, world: World) -> None:
    response = get(http, "maps-api-key", world.token("shopper-ios"))
    assert response.status_code == 200
    assert response.json() == {"name": "maps-api-key", "version": 3, "data": {"api-key": "maps-value"}}
    (line,) = world.audit_lines()
    assert {k: line[k] for k in ("app", "secret", "decision", "status", "client_ip")} == {
        "app": "shopper-ios",
        "secret": "maps-api-key",
        "decision": "allowed",
        "status": 200,
        "client_ip": "198.51.100.7",
    }


# --- API1: Broken Object Level Authorization ------------------------------------------------------


def test_api1_an_app_reads_only_its_granted_secrets(http: TestClient, world: World) -> None:
    token = world.token("shopper-android")
    assert get(http, "maps-api-key", token).status_code == 200
    assert get(http, "multi-key", token).status_code == 403, "multi-key exists but is not granted"


@pytest.mark.parametrize(
    "name", ["multi-key", "does-not-exist", "Maps-Api-Key", "maps-api-key%00", "a/b", "x" * 400]
)
def test_api1_outside_the_grant_existing_or_not_the_answer_is_identical(
    http: TestClient, world: World, name: str
) -> None:
    token = world.token("shopper-android")
    reference = get(http, "multi-key", token)
    answer = get(http, name, token)
    assert (
        (answer.status_code, answer.content)
        == (reference.status_code, reference.content)
        == (403, b'{"error":"forbidden"}')
    )
    assert {k: v for k, v in answer.headers.items() if k != "date"} == {
        k: v for k, v in reference.headers.items() if k != "date"
    }
    assert world.cms_requests == [], "the grant is checked before any CMS access"


# --- API2: Broken Authentication -------------------------------------------------------------------


def test_api2_a_token_signed_by_a_stranger_under_the_issuers_kid_is_refused(
    http: TestClient, world: World
) -> None:
    forged = world.token("shopper-ios", key=SigningKey("rsa-1", "RS256"))
    assert get(http, "maps-api-key", forged).status_code == 401


def test_api2_an_rs256_kid_cannot_verify_an_es256_token_and_vice_versa(
    http: TestClient, world: World
) -> None:
    # The header says ES256 but names the RSA key: a key is used only with its own algorithm family.
    mismatched = world.token("shopper-ios", key=EC, kid="rsa-1")
    assert get(http, "maps-api-key", mismatched).status_code == 401
    assert get(http, "maps-api-key", world.token("shopper-ios", key=EC)).status_code == 200


def test_api2_required_claims(http: TestClient, world: World) -> None:
    assert get(http, "maps-api-key", world.token("shopper-ios", exp=None)).status_code == 401
    assert get(http, "maps-api-key", world.token("shopper-ios", aud=None)).status_code == 401
    assert get(http, "maps-api-key", world.token("shopper-ios", iss=None)).status_code == 401
    assert (
        get(http, "maps-api-key", world.token("shopper-ios", aud=["other", "shopper-apps"])).status_code
        == 200
    )


def test_api2_the_reason_of_a_401_goes_to_metrics_not_to_the_client(http: TestClient, world: World) -> None:
    import time

    expired = world.token("shopper-ios", exp=int(time.time()) - 3600)
    wrong_aud = world.token("shopper-ios", aud="someone-else")
    a, b = get(http, "maps-api-key", expired), get(http, "maps-api-key", wrong_aud)
    assert a.content == b.content == b'{"error":"unauthorized"}'
    assert a.headers["www-authenticate"] == b.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    metrics = http.get("/metrics").text
    assert 'bff_denials_total{app="unknown",reason="token-expired"} 1.0' in metrics
    assert 'bff_denials_total{app="unknown",reason="token-audience"} 1.0' in metrics


# --- API3: Broken Object Property Level Authorization ---------------------------------------------


def test_api3_only_the_three_fields_of_the_data_model_ever_leave(http: TestClient, world: World) -> None:
    world.items["maps-api-key"] = {
        "name": "maps-api-key",
        "version": 4,
        "data": {"api-key": "v4"},
        "user_created": "admin-uuid",
        "internal_note": "rotated by ops",
    }
    response = get(http, "maps-api-key", world.token("shopper-ios"))
    assert response.json() == {"name": "maps-api-key", "version": 4, "data": {"api-key": "v4"}}
    (request,) = world.cms_requests
    assert request.params["fields"] == "name,version,data", "the BFF asks the CMS for those fields only"


# --- API4: Unrestricted Resource Consumption -------------------------------------------------------


def test_api4_app_rate_limit_answers_429_with_retry_after(http: TestClient, world: World) -> None:
    token = world.token("shopper-android")  # 3 a minute
    statuses = [get(http, "maps-api-key", token).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = get(http, "maps-api-key", token)
    assert refused.json() == {"error": "rate_limited"} and int(refused.headers["retry-after"]) == 20
    world.clock.advance(20)
    assert get(http, "maps-api-key", token).status_code == 200, "one request every 60/3 s after the burst"


def test_api4_client_ip_limit_applies_before_the_token_is_read(world: World) -> None:
    with TestClient(app_for(world, ip_limit=2), base_url="https://bff.test", client=CLIENT) as http:
        assert [get(http, "maps-api-key", None).status_code for _ in range(3)] == [401, 401, 429]
    assert world.jwks_requests == 0


def test_api4_oversized_tokens_are_refused_without_parsing(http: TestClient, world: World) -> None:
    assert get(http, "maps-api-key", "a" * 9000).status_code == 401
    assert world.jwks_requests == 0


def test_api4_cached_values_cost_the_cms_nothing(http: TestClient, world: World) -> None:
    token = world.token("shopper-ios")
    for _ in range(5):
        assert get(http, "maps-api-key", token).status_code == 200
    assert len(world.cms_requests) == 1


# --- API5: Broken Function Level Authorization -----------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_api5_the_api_is_read_only(http: TestClient, world: World, method: str) -> None:
    response = http.request(
        method, "/v1/secrets/maps-api-key", headers={"Authorization": f"Bearer {world.token('shopper-ios')}"}
    )
    assert response.status_code == 405
    assert response.json() == {"error": "method_not_allowed"}
    assert world.cms_requests == []


@pytest.mark.parametrize("path", ["/metrics", "/readyz", "/healthz"])
def test_api5_cluster_endpoints_are_not_served_through_the_ingress(world: World, path: str) -> None:
    with TestClient(app_for(world), base_url="https://bff.test", client=PROXY) as via_proxy:
        assert via_proxy.get(path, headers={"X-Forwarded-For": "198.51.100.9"}).status_code == 404
        assert via_proxy.get(path).status_code in (200, 503), "a direct connection from the pod network"


# --- API6: Unrestricted Access to Sensitive Business Flows ----------------------------------------


def test_api6_enumerating_names_is_throttled_like_any_request(world: World) -> None:
    """The one sensitive flow is guessing names: it is limited per app and per IP like the rest."""
    with TestClient(app_for(world, ip_limit=5), base_url="https://bff.test", client=CLIENT) as http:
        token = world.token("shopper-ios")
        statuses = [get(http, f"guess-{i}", token).status_code for i in range(6)]
    assert statuses == [403] * 5 + [429]


# --- API7: Server Side Request Forgery -------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["maps-api-key?x=1", "../../server/info", "maps-api-key#frag", "%2e%2e%2fusers"]
)
def test_api7_a_name_never_shapes_the_cms_request(http: TestClient, world: World, name: str) -> None:
    """Whatever the encoded name holds, it is compared to the grant as a whole; it reaches no URL."""
    assert get(http, quote(name, safe=""), world.token("shopper-ios")).status_code == 403
    assert world.cms_requests == []


def test_api7_a_redirect_from_the_cms_is_not_followed(http: TestClient, world: World) -> None:
    world.cms_answer = lambda request: answer(302, None, {"location": "https://evil.test/"})
    assert get(http, "maps-api-key", world.token("shopper-ios")).status_code == 503
    assert [r.url.split("/")[2] for r in world.cms_requests] == ["cms.test"], "asked once, never elsewhere"


# --- API8: Security Misconfiguration --------------------------------------------------------------


def test_api8_every_answer_carries_the_security_headers(http: TestClient, world: World) -> None:
    for response in (
        get(http, "maps-api-key", world.token("shopper-ios")),
        get(http, "maps-api-key", None),
        http.get("/nowhere"),
    ):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["strict-transport-security"].startswith("max-age=")


def test_api8_an_unexpected_error_is_a_bare_500(world: World) -> None:
    parts_app = app_for(world)
    world.cms_answer = lambda request: (_ for _ in ()).throw(RuntimeError("boom with detail secret-123"))
    with TestClient(parts_app, base_url="https://bff.test", client=CLIENT) as http:
        response = get(http, "maps-api-key", world.token("shopper-ios"))
        assert response.status_code == 500
        assert response.json() == {"error": "internal"}
        assert "secret-123" not in http.get("/metrics").text
    assert world.audit_lines()[-1]["decision"] == "error"


# --- API9: Improper Inventory Management -----------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/docs", "/openapi.json", "/v2/secrets/maps-api-key", "/v1/secrets", "/admin"]
)
def test_api9_nothing_but_the_documented_routes(http: TestClient, path: str) -> None:
    response = http.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": "not_found"}


# --- API10: Unsafe Consumption of APIs -------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"data": [{"name": "maps-api-key", "version": "3", "data": {"api-key": "x"}}]},
        {"data": [{"name": "maps-api-key", "version": 3, "data": "not-an-object"}]},
        {"data": [{"name": "maps-api-key", "version": 3, "data": {"api-key": 5}}]},
        {"data": [{"name": "other-key", "version": 3, "data": {"api-key": "x"}}]},
        {
            "data": [
                {"name": "maps-api-key", "version": 3, "data": {}},
                {"name": "maps-api-key", "version": 4, "data": {}},
            ]
        },
        {"data": "nope"},
        ["not", "an", "object"],
    ],
)
def test_api10_a_malformed_cms_answer_is_503_never_passed_through(
    http: TestClient, world: World, body: Any
) -> None:
    world.cms_answer = lambda request: answer(200, body)
    response = get(http, "maps-api-key", world.token("shopper-ios"))
    assert response.status_code == 503
    assert response.json() == {"error": "unavailable"}


def test_api10_a_refused_cms_token_is_503_not_404(http: TestClient, world: World) -> None:
    world.cms_answer = lambda request: answer(403, {"errors": []})
    assert get(http, "maps-api-key", world.token("shopper-ios")).status_code == 503


# --- fail closed ------------------------------------------------------------------------------------


def test_cms_down_is_503_after_the_bounded_retry_never_a_stale_value(http: TestClient, world: World) -> None:
    token = world.token("shopper-ios")
    assert get(http, "maps-api-key", token).status_code == 200
    world.clock.advance(61)  # past the TTL
    world.cms_up = False
    response = get(http, "maps-api-key", token)
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert len(world.cms_requests) == 1 + 2, "one attempt and one retry, then 503"
    assert http.get("/readyz").status_code == 503


def test_issuer_down_known_keys_serve_until_they_are_stale(http: TestClient, world: World) -> None:
    token = world.token("shopper-ios")
    assert get(http, "maps-api-key", token).status_code == 200
    world.issuer_up = False
    assert get(http, "maps-api-key", token).status_code == 200, "keys within JWKS_CACHE_SECONDS"
    world.clock.advance(301)
    assert get(http, "maps-api-key", token).status_code == 503
