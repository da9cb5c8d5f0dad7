"""Settings and the apps file are validated once, at start, with errors that name the variable or the
path and never echo a value; the entry point exits 2 on them without a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bff.apps import AppsFileError, parse_apps
from bff.settings import SettingsError, load_settings
from tests.bff._bff import ENTRY_POINT, ROOT

CANARY = "spcanary-settings-6f1d2c"


def base_env(tmp_path: Path) -> dict[str, str]:
    return {
        "TLS_CERT_FILE": str(tmp_path / "tls.crt"),
        "TLS_KEY_FILE": str(tmp_path / "tls.key"),
        "OAUTH_ISSUER": "https://auth.example.com/",
        "OAUTH_AUDIENCE": "shopper-apps",
        "CMS_URL": "https://directus.cms.svc:8055",
        "CMS_CA_FILE": str(tmp_path / "ca.crt"),
        "BFF_APPS_FILE": str(tmp_path / "apps.json"),
        "BFF_SECRETS_DIR": str(tmp_path / "secrets"),
    }


def problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    return caught.value.problems


def test_defaults_are_the_documented_ones(tmp_path: Path) -> None:
    settings = load_settings(base_env(tmp_path))
    assert settings.port == 8080
    assert settings.oauth_algorithms == ("RS256", "ES256")
    assert settings.cache_ttl_seconds == 300 and settings.cache_max_entries == 1000
    assert settings.cms_collection == "mobile_secrets"
    assert [str(n) for n in settings.allowed_cidrs] == ["0.0.0.0/0", "::/0"]
    assert settings.trusted_proxy_cidrs == () and settings.redis_url is None and settings.bff_replicas == 1
    assert settings.secret_path("cmsToken") == tmp_path / "secrets" / "cmsToken"


def test_lists_are_read_comma_separated(tmp_path: Path) -> None:
    env = {
        **base_env(tmp_path),
        "ALLOWED_CIDRS": "203.0.113.0/24, 2001:db8::/32",
        "OAUTH_ALGORITHMS": "ES256",
    }
    settings = load_settings(env)
    assert [str(n) for n in settings.allowed_cidrs] == ["203.0.113.0/24", "2001:db8::/32"]
    assert settings.oauth_algorithms == ("ES256",)


@pytest.mark.parametrize(
    ("variable", "value", "complaint"),
    [
        ("OAUTH_ALGORITHMS", "HS256", "OAUTH_ALGORITHMS: Input should be"),
        ("OAUTH_ALGORITHMS", "none", "OAUTH_ALGORITHMS: Input should be"),
        ("OAUTH_ISSUER", "http://auth.example.com/", "OAUTH_ISSUER: must be an https:// URL"),
        ("CMS_URL", "http://directus:8055", "CMS_URL: must be an https:// URL"),
        ("ALLOWED_CIDRS", "10.0.0.1/8", "ALLOWED_CIDRS: 10.0.0.1/8 has host bits set"),
        ("CACHE_TTL_SECONDS", "7200", "CACHE_TTL_SECONDS: Input should be less than or equal to 3600"),
        ("REDIS_URL", "http://redis:6379", "REDIS_URL: must be a redis://, rediss:// or unix:// URL"),
        ("BFF_REPLICAS", "0", "BFF_REPLICAS: Input should be greater than or equal to 1"),
        ("CMS_COLLECTION", "Mobile Secrets", "CMS_COLLECTION: String should match pattern"),
    ],
)
def test_a_bad_setting_names_the_variable(tmp_path: Path, variable: str, value: str, complaint: str) -> None:
    lines = problems({**base_env(tmp_path), variable: value})
    assert any(line.startswith(complaint) for line in lines), lines


def test_a_missing_setting_is_named(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    del env["OAUTH_AUDIENCE"], env["CMS_CA_FILE"]
    assert problems(env) == ["OAUTH_AUDIENCE: Field required", "CMS_CA_FILE: Field required"]


def test_secrets_come_from_one_source_and_are_never_echoed(tmp_path: Path) -> None:
    env = {**base_env(tmp_path), "CMS_TOKEN": CANARY}
    lines = problems(env)
    assert lines == ["set either BFF_SECRETS_DIR or CMS_TOKEN/CACHE_ENCRYPTION_KEY, not both"]
    env = base_env(tmp_path)
    del env["BFF_SECRETS_DIR"]
    assert problems({**env, "CMS_TOKEN": CANARY}) == [
        "set BFF_SECRETS_DIR, or both CMS_TOKEN and CACHE_ENCRYPTION_KEY"
    ]
    settings = load_settings({**env, "CMS_TOKEN": CANARY, "CACHE_ENCRYPTION_KEY": CANARY * 2})
    assert CANARY not in repr(settings) and settings.secret_path("cmsToken") is None


def test_variables_the_bff_does_not_know_are_ignored(tmp_path: Path) -> None:
    settings = load_settings({**base_env(tmp_path), "KUBERNETES_SERVICE_HOST": "10.0.0.1", "HOME": "/"})
    assert settings.oauth_audience == "shopper-apps"


# --- the apps file ------------------------------------------------------------------------------------


def test_the_apps_file_grants_exactly_what_it_lists() -> None:
    scope = parse_apps(json.dumps({"shopper-ios": {"secrets": ["maps-api-key"], "rateLimitPerMinute": 5}}))
    grant = scope.grant("shopper-ios")
    assert grant is not None and grant.rate_limit_per_minute == 5
    assert scope.allows(grant, "maps-api-key")
    assert not scope.allows(grant, "MAPS-API-KEY") and not scope.allows(grant, "maps-api-key ")
    assert scope.grant("shopper-android") is None
    default = parse_apps('{"a": {"secrets": []}}').grant("a")
    assert default is not None and default.rate_limit_per_minute == 60, "the stack config's default"


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("{", "apps file: not JSON"),
        ("[]", "apps file: (top): Input should be a valid dictionary"),
        ('{"a": {}}', "apps file: a.secrets: Field required"),
        ('{"a": {"secrets": ["Maps"]}}', "apps file: a.secrets.0: String should match pattern"),
        ('{"a": {"secrets": ["x", "x"]}}', "apps file: a.secrets: lists a secret twice"),
        (
            '{"a": {"secrets": [], "rateLimitPerMinute": 0}}',
            "apps file: a.rateLimitPerMinute: Input should be greater",
        ),
        ('{"a": {"secrets": [], "rate": 1}}', "apps file: a.rate: Extra inputs are not permitted"),
        ('{"bad app": {"secrets": []}}', "apps file: bad app: String should match pattern"),
    ],
)
def test_a_bad_apps_file_is_refused_with_the_path_of_each_problem(text: str, complaint: str) -> None:
    with pytest.raises(AppsFileError) as caught:
        parse_apps(text)
    assert str(caught.value).startswith(complaint), str(caught.value)


# --- the entry point ----------------------------------------------------------------------------------


def run_entry_point(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, *ENTRY_POINT[:-1], *(args or ENTRY_POINT[-1:])]
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}
    return subprocess.run(argv, env=clean, cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_bad_configuration_exits_2_with_one_line_per_problem(tmp_path: Path) -> None:
    env = {**base_env(tmp_path), "OAUTH_ALGORITHMS": "none", "CMS_URL": "http://cms", "CMS_TOKEN": CANARY}
    result = run_entry_point(env)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == "bff: configuration error:"
    assert all(line.startswith("bff: ") for line in result.stderr.splitlines())
    assert "Traceback" not in result.stderr and CANARY not in result.stderr + result.stdout


def test_a_bad_apps_file_stops_the_service(tmp_path: Path) -> None:
    from tests.bff._pki import make_pki

    pki = make_pki(tmp_path)
    env = {**base_env(tmp_path), "TLS_CERT_FILE": str(pki.cert_file), "TLS_KEY_FILE": str(pki.key_file)}
    env["CMS_CA_FILE"] = str(pki.ca_file)
    (tmp_path / "apps.json").write_text('{"shopper-ios": {"secrets": ["Maps"]}}')
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "cmsToken").write_text(CANARY)
    (tmp_path / "secrets" / "cacheEncryptionKey").write_text("short")
    result = run_entry_point(env)
    assert result.returncode == 2, result.stderr
    assert "apps.json: shopper-ios.secrets.0: String should match pattern" in result.stderr
    assert "Traceback" not in result.stderr
    (tmp_path / "apps.json").write_text("{}")
    result = run_entry_point(env)
    assert result.returncode == 2
    assert "cache key material must be at least 32 bytes" in result.stderr
    assert "Traceback" not in result.stderr and CANARY not in result.stderr + result.stdout


def test_an_unknown_command_prints_the_usage() -> None:
    result = run_entry_point({}, "frobnicate")
    assert result.returncode == 2 and result.stderr.startswith("usage: python -m bff")
