"""The BFF end to end: a real Directus (npm, SQLite, TLS), a local OIDC issuer, Redis, and two BFF
replicas over TLS, with httpx as the mobile app. One case per behaviour the issue lists; the last
test scans every log line and /metrics for every planted value and token.

These tests share one stack (tests/bff/conftest.py), started once per session on the xdist worker
that runs this module (`--dist loadscope` keeps a module on one worker). Each test makes the
requests it asserts on, so any one of them can run alone.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.bff._bff import ROOT, BffProcess
from tests.bff._fakes import kubelet_secret_dir
from tests.bff._issuer import SigningKey
from tests.bff._procs import wait_until
from tests.bff.conftest import COLLECTION, IP_LIMIT, LIMITED_APP_LIMIT, Stack, canary

pytestmark = pytest.mark.bff_e2e

IOS, ANDROID = "shopper-ios", "shopper-android"
FORBIDDEN = {"error": "forbidden"}
UNAUTHORIZED = {"error": "unauthorized"}


def get(bff: BffProcess, name: str, token: str | None, ip: str, **client: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with bff.client(ip, **client) as http:
        return http.get(f"/v1/secrets/{name}", headers=headers)


def metric(bff: BffProcess, name: str, **labels: str) -> float:
    """The value of one sample of /metrics (0 when absent)."""
    with bff.client(direct=True) as http:
        text = http.get("/metrics").text
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        metric_name, _, label_text = series.partition("{")
        found = ",".join(sorted(label_text.rstrip("}").split(","))) if label_text else ""
        if metric_name == name and found == wanted:
            return float(value)
    return 0.0


# --- reading a secret ----------------------------------------------------------------------------


def test_allowed_secret_is_served_with_its_version_and_every_data_key(stack: Stack) -> None:
    response = get(stack.a, "multi-key", stack.issuer.token(IOS), stack.ip())
    assert response.status_code == 200, response.text
    assert response.json() == {"name": "multi-key", "version": 1, "data": stack.values["multi-key"]}
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"] == "application/json"
    assert "server" not in response.headers, "the server does not say what it runs"


def test_a_cached_read_does_not_ask_the_cms_again(stack: Stack) -> None:
    token, ip = stack.issuer.token(IOS), stack.ip()
    before = stack.cms_reads("cached-key")
    first = get(stack.a, "cached-key", token, ip)
    after_first = stack.cms_reads("cached-key")
    second = get(stack.a, "cached-key", token, ip)
    assert first.status_code == second.status_code == 200
    assert (
        first.json()
        == second.json()
        == {"name": "cached-key", "version": 1, "data": stack.values["cached-key"]}
    )
    assert after_first == before + 1, "the first read fetched the value from the CMS"
    assert stack.cms_reads("cached-key") == after_first, "the second read was served from the sealed cache"


def test_forbidden_and_unknown_secrets_get_identical_answers_without_touching_the_cms(stack: Stack) -> None:
    token, ip = stack.issuer.token(ANDROID), stack.ip()
    names = ["payments-sdk-key", "no-such-secret", "..%2F..%2Fetc%2Fpasswd", "UPPER_case", "x" * 300]
    before = len(stack.directus.requests())
    answers = [get(stack.a, name, token, ip) for name in names]
    for name, answer in zip(names, answers, strict=True):
        assert answer.status_code == 403, f"{name}: {answer.status_code}"
        assert answer.content == answers[0].content, f"{name}: a different body"
        assert {k: v for k, v in answer.headers.items() if k != "date"} == {
            k: v for k, v in answers[0].headers.items() if k != "date"
        }, f"{name}: different headers"
    assert answers[0].json() == FORBIDDEN
    assert len(stack.directus.requests()) == before, "a name outside the grant never reaches the CMS"
    # The existing secret is real: the app it is granted to gets it.
    assert get(stack.a, "payments-sdk-key", stack.issuer.token(IOS), ip).status_code == 200


def test_a_granted_secret_the_cms_lacks_is_404(stack: Stack) -> None:
    response = get(stack.a, "missing-key", stack.issuer.token(IOS), stack.ip())
    assert response.status_code == 404
    assert response.json() == {"error": "not_found"}


# --- tokens ----------------------------------------------------------------------------------------


def bad_tokens(stack: Stack) -> dict[str, str]:
    issuer, now = stack.issuer, int(time.time())
    forger = SigningKey("rsa-1", "RS256")  # same kid, a key the issuer never published
    return {
        "expired": issuer.token(IOS, exp=now - 600, iat=now - 1200, nbf=now - 1200),
        "not yet valid": issuer.token(IOS, nbf=now + 600, iat=now),
        "wrong issuer": issuer.token(IOS, iss="https://attacker.example.com/"),
        "wrong audience": issuer.token(IOS, aud="another-api"),
        "forged signature": issuer.token(IOS, key=forger),
        "alg none": issuer.unsigned_token(IOS),
        "HS256 keyed with the public key": issuer.hmac_with_public_key(IOS),
        "no expiry": issuer.token(IOS, exp=None),
        "garbage": "not.a.jwt",
    }


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "not yet valid",
        "wrong issuer",
        "wrong audience",
        "forged signature",
        "alg none",
        "HS256 keyed with the public key",
        "no expiry",
        "garbage",
    ],
)
def test_bad_tokens_are_refused(stack: Stack, case: str) -> None:
    response = get(stack.a, "maps-api-key", bad_tokens(stack)[case], stack.ip())
    assert response.status_code == 401, f"{case}: {response.status_code} {response.text}"
    assert response.json() == UNAUTHORIZED
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_missing_or_malformed_authorization_is_401(stack: Stack) -> None:
    ip = stack.ip()
    with stack.a.client(ip) as http:
        for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer"}):
            response = http.get("/v1/secrets/maps-api-key", headers=headers)
            assert response.status_code == 401, headers
            assert response.json() == UNAUTHORIZED


def test_es256_tokens_are_accepted_too(stack: Stack) -> None:
    response = get(stack.a, "maps-api-key", stack.issuer.token(IOS, kid="ec-1"), stack.ip())
    assert response.status_code == 200


def test_a_token_of_no_known_app_is_401(stack: Stack) -> None:
    ip = stack.ip()
    assert get(stack.a, "maps-api-key", stack.issuer.token("ghost-app"), ip).status_code == 401
    # azp and client_id naming two different apps: ambiguous, refused.
    mixed = stack.issuer.token(IOS, azp=ANDROID)
    assert get(stack.a, "maps-api-key", mixed, ip).status_code == 401
    # azp alone is enough.
    only_azp = stack.issuer.token("unused", client_id=None, azp=ANDROID)
    assert get(stack.a, "maps-api-key", only_azp, ip).status_code == 200


def _wait_past_refresh_interval(stack: Stack, interval: float) -> None:
    remaining = interval + 0.2 - stack.issuer.seconds_since_jwks_fetch()
    if remaining > 0:
        time.sleep(remaining)


def test_an_unknown_kid_triggers_one_refresh_and_is_refused(stack: Stack) -> None:
    _wait_past_refresh_interval(stack, 2)
    ip, stranger = stack.ip(), SigningKey("kid-nobody-published", "RS256")
    before = stack.issuer.count("/jwks")
    first = get(stack.a, "maps-api-key", stack.issuer.token(IOS, kid=stranger.kid, key=stranger), ip)
    assert first.status_code == 401
    assert stack.issuer.count("/jwks") == before + 1, "an unknown kid fetched the keys once"
    again = SigningKey("another-unknown-kid", "RS256")
    second = get(stack.a, "maps-api-key", stack.issuer.token(IOS, kid=again.kid, key=again), ip)
    assert second.status_code == 401
    assert stack.issuer.count("/jwks") == before + 1, "a second unknown kid right after: no new fetch"


def test_a_newly_published_key_is_picked_up_with_one_refresh(stack: Stack) -> None:
    _wait_past_refresh_interval(stack, 2)
    stack.issuer.publish(SigningKey("rsa-2", "RS256"))
    before = stack.issuer.count("/jwks")
    response = get(stack.a, "maps-api-key", stack.issuer.token(IOS, kid="rsa-2"), stack.ip())
    assert response.status_code == 200
    assert stack.issuer.count("/jwks") == before + 1


# --- limits and networks ---------------------------------------------------------------------------


def test_the_app_rate_limit_holds_across_replicas(stack: Stack) -> None:
    token, ip = stack.issuer.token("limited-app"), stack.ip()
    replicas = [stack.a, stack.b]
    answers = [get(replicas[i % 2], "maps-api-key", token, ip) for i in range(LIMITED_APP_LIMIT + 1)]
    assert [a.status_code for a in answers] == [200] * LIMITED_APP_LIMIT + [429], (
        "the limit of the app as a whole, counted in Redis by both replicas"
    )
    refused = answers[-1]
    assert refused.json() == {"error": "rate_limited"}
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # Another app from the same address is not affected.
    assert get(stack.b, "maps-api-key", stack.issuer.token(IOS), ip).status_code == 200


def test_the_client_ip_rate_limit_holds_across_replicas(stack: Stack) -> None:
    ip, token = stack.ip(), stack.issuer.token(IOS)
    replicas = [stack.a, stack.b]
    statuses = [get(replicas[i % 2], "maps-api-key", token, ip).status_code for i in range(IP_LIMIT + 1)]
    assert statuses == [200] * IP_LIMIT + [429]
    # The limit is per address: the next address is served, even with no token (then 401, not 429).
    assert get(stack.a, "maps-api-key", None, stack.ip()).status_code == 401


def test_an_address_outside_the_allow_list_is_403(stack: Stack) -> None:
    response = get(stack.a, "maps-api-key", stack.issuer.token(IOS), "192.0.2.10")
    assert response.status_code == 403
    assert response.json() == FORBIDDEN


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(stack: Stack) -> None:
    # 127.0.0.2 is no trusted proxy: its claim to be 203.0.113.x is ignored, and 127.0.0.2 itself
    # is outside the allow-list.
    token = stack.issuer.token(IOS)
    with stack.a.client(stack.ip(), local_address="127.0.0.2") as http:
        response = http.get("/v1/secrets/maps-api-key", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert stack.a.audit_lines()[-1]["client_ip"] == "127.0.0.2"


def test_cluster_endpoints_refuse_what_the_ingress_forwards(stack: Stack) -> None:
    with stack.a.client(direct=True) as http:
        assert http.get("/healthz").status_code == 200
        assert http.get("/readyz").status_code == 200
        assert http.get("/metrics").status_code == 200
    with stack.a.client(stack.ip()) as http:
        for path in ("/healthz", "/readyz", "/metrics"):
            assert http.get(path).status_code == 404, f"{path} must not be reachable through the ingress"


# --- the sealed cache ------------------------------------------------------------------------------


def test_a_new_cache_key_file_drops_every_cached_entry(stack: Stack) -> None:
    token, ip = stack.issuer.token(IOS), stack.ip()
    assert get(stack.a, "key-rotation-key", token, ip).status_code == 200
    reads = stack.cms_reads("key-rotation-key")
    assert get(stack.a, "key-rotation-key", token, ip).status_code == 200
    assert stack.cms_reads("key-rotation-key") == reads, "cached under the first key"
    # The kubelet swaps the mounted file; the BFF notices the new content on the next read.
    key_file = Path(stack.a.env["BFF_SECRETS_DIR"]) / "cacheEncryptionKey"
    new_key = canary("cache-key")
    stack.planted.append(new_key)
    staged = key_file.with_name(".cacheEncryptionKey.new")
    staged.write_text(new_key)
    os.replace(staged, key_file)
    response = get(stack.a, "key-rotation-key", token, ip)
    assert response.status_code == 200
    assert response.json()["data"] == stack.values["key-rotation-key"]
    assert stack.cms_reads("key-rotation-key") == reads + 1, "the entry sealed under the old key was dropped"


# --- the writer ------------------------------------------------------------------------------------


def write_secret(
    stack: Stack, name: str, version: int, data: dict[str, str], token: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the writer as the Job would: same entry point as the server, settings by environment."""
    workdir = stack.workdir / f"writer-{name}-v{version}-{time.monotonic_ns()}"
    secret_dir = kubelet_secret_dir(workdir / "secret", data)
    token_file = workdir / "token"
    token_file.write_text(token if token is not None else stack.tokens.writer)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "WRITER_SECRET_NAME": name,
        "WRITER_SECRET_VERSION": str(version),
        "WRITER_SECRET_DIR": str(secret_dir),
        "WRITER_TOKEN_FILE": str(token_file),
        "CMS_URL": stack.directus.url,
        "CMS_CA_FILE": str(stack.pki.ca_file),
        "CMS_COLLECTION": COLLECTION,
    }
    result = subprocess.run(
        [sys.executable, "-m", "bff", "write-secret"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    (stack.workdir / "writer.log").open("a").write(result.stdout + result.stderr)
    return result


def write_new(stack: Stack, name: str, version: int, label: str) -> dict[str, str]:
    """Write `version` of `name` with a fresh canary value through the writer; return the data."""
    data = {"api-key": canary(f"{label}-v{version}")}
    stack.values[f"{name} v{version}"] = data
    result = write_secret(stack, name, version, data)
    assert result.returncode == 0, result.stderr
    return data


def test_the_writer_creates_a_missing_secret(stack: Stack) -> None:
    assert stack.directus.get(COLLECTION, "created-key") is None
    data = {"api-key": canary("created-v1"), "pin": "0000"}
    stack.values["created-key v1"] = data
    result = write_secret(stack, "created-key", 1, data)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "bff write-secret: created-key v1 created"
    assert stack.directus.get(COLLECTION, "created-key") == {
        "name": "created-key",
        "version": 1,
        "data": data,
    }


def test_a_rotated_value_is_written_and_served_within_the_ttl(stack: Stack) -> None:
    token, ip = stack.issuer.token(IOS), stack.ip()
    write_new(stack, "rotating-key", 1, "rotating")
    old = get(stack.b, "rotating-key", token, ip)
    assert old.json()["version"] == 1
    new_data = {"api-key": canary("rotating-v2")}
    stack.values["rotating-key v2"] = new_data

    # While the writer runs, the CMS is read continuously: the item never disappears, and its
    # version only goes up (the previous value stays readable until the new one is stored).
    seen: list[int] = []
    done = threading.Event()

    def watch() -> None:
        with stack.directus.client(stack.tokens.reader) as cms:
            while not done.is_set():
                params = {"filter[name][_eq]": "rotating-key"}
                items = cms.get(f"/items/{COLLECTION}", params=params).json()["data"]
                seen.append(items[0]["version"] if items else 0)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        result = write_secret(stack, "rotating-key", 2, new_data)
    finally:
        time.sleep(0.2)
        done.set()
        watcher.join(30)
    assert result.returncode == 0, result.stderr
    assert "rotating-key v2 updated" in result.stdout
    assert seen and 0 not in seen, "the secret was readable throughout"
    assert seen == sorted(seen) and seen[-1] == 2, f"versions seen: {seen}"

    # Replica B caches for 3 s: it serves the new value once its entry expires, never a mix.
    answers: list[dict[str, Any]] = []

    def served_new() -> bool:
        answers.append(get(stack.b, "rotating-key", token, ip).json())
        return answers[-1]["version"] == 2

    wait_until(served_new, 15, "replica B serving version 2")
    assert answers[-1] == {"name": "rotating-key", "version": 2, "data": new_data}
    assert all(a in (old.json(), answers[-1]) for a in answers), "only the old or the new value was served"


def test_the_writer_never_lowers_a_version_and_is_idempotent(stack: Stack) -> None:
    write_new(stack, "replay-key", 1, "replay")
    write_new(stack, "replay-key", 2, "replay")
    current = stack.directus.get(COLLECTION, "replay-key")
    assert current is not None and current["version"] == 2
    for version, data in ((2, current["data"]), (1, {"api-key": canary("stale-replay")})):
        stack.values[f"replay-key replay v{version}"] = data
        result = write_secret(stack, "replay-key", version, data)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"bff write-secret: replay-key v{version} unchanged"
    assert stack.directus.get(COLLECTION, "replay-key") == current


def test_the_writer_fails_cleanly_with_a_refused_token(stack: Stack) -> None:
    stack.store("refused-key", 1, {"api-key": canary("refused-v1")})
    data = {"api-key": canary("refused-v2")}
    stack.values["refused-key v2"] = data
    result = write_secret(stack, "refused-key", 2, data, token=stack.tokens.reader)
    assert result.returncode == 1
    assert "refused-key v2 not written" in result.stderr and "HTTP 403" in result.stderr
    assert stack.tokens.reader not in result.stderr + result.stdout
    stored = stack.directus.get(COLLECTION, "refused-key")
    assert stored is not None and stored["version"] == 1


def test_cms_tokens_reach_only_what_they_must(stack: Stack) -> None:
    with (
        stack.directus.client(stack.tokens.reader) as reader,
        stack.directus.client(stack.tokens.writer) as writer,
    ):
        item = {"name": "sneaky", "version": 1, "data": {"k": "v"}}
        assert reader.post(f"/items/{COLLECTION}", json=item).status_code == 403, (
            "the BFF's token never writes"
        )
        assert reader.patch(f"/items/{COLLECTION}/maps-api-key", json={"version": 9}).status_code == 403
        assert reader.get("/items/other_content").status_code == 403
        assert reader.get("/users").status_code == 403
        assert writer.get("/items/other_content").status_code == 403, "the writer's token: one collection"
        assert writer.post("/items/other_content", json={"id": 1}).status_code == 403
        assert writer.delete(f"/items/{COLLECTION}/maps-api-key").status_code == 403, "never deletes"
        assert writer.get("/users").status_code == 403


# --- outages ---------------------------------------------------------------------------------------


def test_cms_down_is_503_after_bounded_retries_and_not_ready(stack: Stack) -> None:
    token, ip = stack.issuer.token(IOS), stack.ip()
    stack.directus.pause()
    try:
        response = get(stack.a, "cms-down-key", token, ip)
        assert response.status_code == 503
        assert response.json() == {"error": "unavailable"}
        assert int(response.headers["retry-after"]) > 0
        with stack.a.client(direct=True) as http:
            wait_until(lambda: http.get("/readyz").status_code == 503, 15, "/readyz turning 503")
    finally:
        stack.directus.resume()
    with stack.a.client(direct=True) as http:
        wait_until(lambda: http.get("/readyz").status_code == 200, 15, "/readyz ready again")
    assert get(stack.a, "cms-down-key", token, ip).json()["data"] == stack.values["cms-down-key"]


def test_issuer_down_cached_keys_work_then_503(stack: Stack) -> None:
    ip = stack.ip()
    known = stack.issuer.token(IOS)
    assert get(stack.b, "maps-api-key", known, ip).status_code == 200
    stack.issuer.stop()
    try:
        # Replica A holds keys fetched within its JWKS_CACHE_SECONDS: a known kid still works.
        assert get(stack.a, "maps-api-key", known, ip).status_code == 200
        # A kid it does not know cannot be checked: 503 (the key may be genuine), not 401.
        _wait_past_refresh_interval(stack, 2)
        newcomer = SigningKey("rsa-during-outage", "RS256")
        unknown = get(stack.a, "maps-api-key", stack.issuer.token(IOS, kid=newcomer.kid, key=newcomer), ip)
        assert unknown.status_code == 503
        # Replica B's keys are older than its JWKS_CACHE_SECONDS (3 s) soon: then every token is 503.
        wait_until(lambda: get(stack.b, "maps-api-key", known, ip).status_code == 503, 20, "B failing closed")
        with stack.b.client(direct=True) as http:
            wait_until(lambda: http.get("/readyz").status_code == 503, 15, "B not ready")
    finally:
        stack.issuer.start()
    wait_until(lambda: get(stack.b, "maps-api-key", known, ip).status_code == 200, 20, "B serving again")


# --- audit, metrics, leaks (last: it reads what every test above left behind) ----------------------


def metrics_of(bff: BffProcess) -> dict[str, float]:
    """Every sample of /metrics: `name{labels}` -> value."""
    with bff.client(direct=True) as http:
        text = http.get("/metrics").text
    return {
        series: float(value)
        for series, _, value in (
            line.rpartition(" ") for line in text.splitlines() if not line.startswith("#")
        )
    }


def test_every_decision_writes_one_audit_line_and_counts_in_metrics(stack: Stack) -> None:
    ip, outsider, crowded = stack.ip(), "192.0.2.44", stack.ip()
    ios, android, limited = (stack.issuer.token(app) for app in (IOS, ANDROID, "limited-app"))
    stack.store("audit-key", 1, {"api-key": canary("audit")})
    before_lines, before = len(stack.a.audit_lines()), metrics_of(stack.a)
    expected: list[tuple[str | None, str, str, int, str]] = []

    def call(name: str, token: str | None, client: str, app: str | None, decision: str, status: int) -> None:
        assert get(stack.a, name, token, client).status_code == status, decision
        expected.append((app, name, decision, status, client))

    call("maps-api-key", ios, ip, IOS, "allowed", 200)
    call("missing-key", ios, ip, IOS, "not-found", 404)
    call("multi-key", android, ip, ANDROID, "forbidden", 403)
    call("maps-api-key", None, ip, None, "unauthenticated", 401)
    call("maps-api-key", ios, outsider, None, "network-denied", 403)
    for _ in range(LIMITED_APP_LIMIT + 1):  # whatever earlier tests left of the app's budget, then 429
        status = get(stack.a, "maps-api-key", limited, ip).status_code
        decision = "allowed" if status == 200 else "rate-limited-app"
        expected.append(("limited-app", "maps-api-key", decision, status, ip))
        if status == 429:
            break
    assert expected[-1][2] == "rate-limited-app"
    for _ in range(IP_LIMIT):
        call("maps-api-key", ios, crowded, IOS, "allowed", 200)
    call("maps-api-key", ios, crowded, None, "rate-limited-ip", 429)
    stack.directus.pause()
    try:
        call("audit-key", ios, ip, IOS, "unavailable", 503)
    finally:
        stack.directus.resume()

    lines = stack.a.audit_lines()[before_lines:]
    assert [
        (line["app"], line["secret"], line["decision"], line["status"], line["client_ip"]) for line in lines
    ] == [tuple(e) for e in expected], "one line per request, in order, with who, what and the outcome"
    for line in lines:
        assert sorted(line) == [
            "app",
            "client_ip",
            "decision",
            "latency_ms",
            "secret",
            "status",
            "time",
            "type",
        ]
        assert line["latency_ms"] > 0 and line["time"].endswith("+00:00")

    after = metrics_of(stack.a)

    def grew(series: str) -> float:
        return after.get(series, 0.0) - before.get(series, 0.0)

    for status, decision in (
        ("401", "unauthenticated"),
        ("403", "forbidden"),
        ("403", "network-denied"),
        ("429", "rate-limited-ip"),
        ("429", "rate-limited-app"),
        ("503", "unavailable"),
    ):
        assert grew(f'bff_responses_total{{decision="{decision}",status="{status}"}}') == 1, (
            status,
            decision,
        )
    assert grew('bff_denials_total{app="unknown",reason="no-token"}') == 1
    assert grew('bff_denials_total{app="unknown",reason="network"}') == 1
    assert grew('bff_denials_total{app="shopper-android",reason="not-granted"}') == 1
    assert grew('bff_denials_total{app="limited-app",reason="rate-limit-app"}') == 1
    assert grew('bff_failures_total{dependency="cms"}') == 1


def _forms(secret: str) -> list[str]:
    raw = secret.encode()
    return [
        secret,
        secret.upper(),
        raw.hex(),
        raw.hex().upper(),
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
    ]


def test_no_value_or_token_appears_in_any_log_or_metric(stack: Stack) -> None:
    """Every value stored in the CMS and every token handed out during the session (this test adds
    its own: a read through each replica, refused tokens, a writer run) is looked for in every log
    line of both replicas, the writer's output, Directus's request log and /metrics."""
    ip = stack.ip()
    stack.store("leak-key", 1, {"api-key": canary("leak")})
    for replica in (stack.a, stack.b):
        assert get(replica, "leak-key", stack.issuer.token(IOS), ip).status_code == 200
        for token in bad_tokens(stack).values():
            assert get(replica, "leak-key", token, ip).status_code == 401
    write_new(stack, "leak-written-key", 1, "leak-written")
    planted = [v for data in stack.values.values() for v in data.values()]
    planted += stack.planted + stack.issuer.minted
    # A value of a few characters (the "0000" PIN of one test) matches innocent text such as a
    # timestamp; every canary and token is long, and those are what the scan is for.
    planted = [secret for secret in planted if len(secret) >= 8]
    assert len(planted) > 20, "the scan looks for every canary and token of the session"
    haystacks = {
        "bff-a log": stack.a.logs(),
        "bff-b log": stack.b.logs(),
        "writer output": (stack.workdir / "writer.log").read_text(),
        "directus request log": "\n".join(stack.directus.requests()),
    }
    for replica in (stack.a, stack.b):
        with replica.client(direct=True) as http:
            haystacks[f"{replica.name} /metrics"] = http.get("/metrics").text
        assert '"secret":"leak-key"' in haystacks[f"{replica.name} log"], "the scan reads the live logs"
    assert "leak-written-key v1 created" in haystacks["writer output"]
    for where, text in haystacks.items():
        upper = text.upper()
        for secret in planted:
            for form in _forms(secret):
                assert form not in text and form.upper() not in upper, f"a planted secret appears in {where}"
