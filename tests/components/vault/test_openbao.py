"""The Vault objects the plan declares, applied to a real OpenBao and used with real logins.

The plan is the offline plan of a stack with Vault secrets of two workloads (dev on AWS, plus a
generated and an operator-written secret). Its mounts, auth method, policies, roles, KV paths and audit
device are replayed through OpenBao's HTTP API with their planned inputs; tokens are signed by a test
issuer that stands in for the cluster's ServiceAccount issuer (same `iss`, its own key).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import hvac
import hvac.exceptions
import pytest

from components.vault.paths import auth_role_name, kv_data_path, kv_metadata_path, sync_service_account_name
from offline.runtime import Capture
from tests.components.vault._openbao import OpenBao, Replay, TestIssuer, apply_plan

CLUSTER = "secrets-dev"
AUDIENCE = "vault"


@dataclass
class Applied:
    server: OpenBao
    replay: Replay
    issuer: TestIssuer
    values: dict[str, dict[str, str]]
    """Path in the mount -> the value the test wrote (canaries)."""

    def login(self, namespace: str, workload: str, **overrides: Any) -> hvac.Client:
        """Log in as `workload`'s sync ServiceAccount, as External Secrets does."""
        service_account = sync_service_account_name(workload)
        jwt = self.issuer.token(namespace, service_account, overrides.pop("audience", AUDIENCE), **overrides)
        client = hvac.Client(url=self.server.address)
        client.auth.jwt.jwt_login(
            role=overrides.pop("role", auth_role_name(CLUSTER, service_account)),
            jwt=jwt,
            path=self.replay.auth_mount,
        )
        return client


def _canary(name: str) -> str:
    return f"vaultcanary{name.replace('-', '')}{secrets.token_hex(8)}"


@pytest.fixture(scope="module")
def applied(openbao: OpenBao, aws_vault_capture: Capture) -> Iterator[Applied]:
    resources = aws_vault_capture.resources
    issuer = TestIssuer(
        next(r.inputs["boundIssuer"] for r in resources if r.type == "vault:jwt/authBackend:AuthBackend")
    )
    replay = apply_plan(openbao.client(), resources, issuer, openbao.directory / "audit.log")
    values = {
        r.inputs["name"]: json.loads(r.inputs["dataJson"])
        for r in resources
        if r.type == "vault:kv/secretV2:SecretV2"
    }
    assert sorted(values) == ["secrets-dev/orders-partner-api", "secrets-dev/orders-webhook-key"]
    # The operator-written secret: its metadata is the plan's; its value an operator's `kv put`.
    values["secrets-dev/payments-acquirer-token"] = {"token": _canary("acquirer")}
    openbao.client().secrets.kv.v2.create_or_update_secret(
        path="secrets-dev/payments-acquirer-token",
        secret=values["secrets-dev/payments-acquirer-token"],
        mount_point=replay.kv_mount,
    )
    yield Applied(server=openbao, replay=replay, issuer=issuer, values=values)


def _read(client: hvac.Client, mount: str, path: str) -> dict[str, str]:
    return client.secrets.kv.v2.read_secret_version(
        path=path, mount_point=mount, raise_on_deleted_version=True
    )["data"]["data"]


GRANTS = {
    ("orders", "orders-api"): ["secrets-dev/orders-webhook-key", "secrets-dev/orders-partner-api"],
    ("payments", "payments-api"): ["secrets-dev/payments-acquirer-token"],
}


def test_the_plan_declares_one_policy_and_one_role_per_workload_reading_exactly_its_paths(
    applied: Applied,
) -> None:
    mount = applied.replay.kv_mount
    database_creds = {"orders-api": ["secrets-platform-database/creds/secrets-dev-orders-db-credentials"]}
    for (namespace, workload), paths in GRANTS.items():
        policy = applied.replay.policies[f"{CLUSTER}-{workload}-vault-sync"]
        granted = sorted(line.split('"')[1] for line in policy.splitlines() if line.startswith("path "))
        expected = [kv_data_path(mount, CLUSTER, p.split("/", 1)[1]) for p in paths] + database_creds.get(
            workload, []
        )
        assert granted == sorted(expected), policy
        assert "*" not in policy and "+" not in policy, f"policy of {workload} has a glob"
        role = applied.replay.roles[auth_role_name(CLUSTER, sync_service_account_name(workload))]
        assert (
            role["bound_subject"]
            == f"system:serviceaccount:{namespace}:{sync_service_account_name(workload)}"
        )
        assert role["bound_audiences"] == [AUDIENCE]
        assert role["bound_claims_type"] == "string"


@pytest.mark.parametrize(("namespace", "workload"), sorted(GRANTS))
def test_each_workload_reads_exactly_its_paths_and_gets_403_on_every_other(
    applied: Applied, namespace: str, workload: str
) -> None:
    client = applied.login(namespace, workload)
    mount = applied.replay.kv_mount
    own = GRANTS[(namespace, workload)]
    for path in own:
        assert _read(client, mount, path) == applied.values[path], f"{workload} reads {path}"
    others = [p for paths in GRANTS.values() for p in paths if p not in own]
    assert others, "the test needs another workload's secret"
    for path in others:
        with pytest.raises(hvac.exceptions.Forbidden):
            _read(client, mount, path)
    # Nothing else of its own paths either: no metadata, no listing, no write, no delete.
    with pytest.raises(hvac.exceptions.Forbidden):
        client.secrets.kv.v2.read_secret_metadata(path=own[0], mount_point=mount)
    with pytest.raises(hvac.exceptions.Forbidden):
        client.secrets.kv.v2.list_secrets(path=CLUSTER, mount_point=mount)
    with pytest.raises(hvac.exceptions.Forbidden):
        client.secrets.kv.v2.create_or_update_secret(path=own[0], secret={"x": "y"}, mount_point=mount)
    with pytest.raises(hvac.exceptions.Forbidden):
        client.secrets.kv.v2.delete_latest_version_of_secret(path=own[0], mount_point=mount)
    with pytest.raises(hvac.exceptions.Forbidden):
        client.sys.list_policies()


def test_the_token_lives_as_long_as_the_config_says_and_carries_one_policy(applied: Applied) -> None:
    client = applied.login("orders", "orders-api")
    me = client.auth.token.lookup_self()["data"]
    assert me["ttl"] <= 600 and me["ttl"] > 500, "tokenTtlSeconds: 600 in the stack"
    assert me["explicit_max_ttl"] == 0 and me["policies"] == ["default", f"{CLUSTER}-orders-api-vault-sync"]
    assert me["meta"]["role"] == auth_role_name(CLUSTER, "orders-api-vault-sync")


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"namespace": "payments"}, id="same account name in another namespace"),
        pytest.param({"service_account": "orders-api"}, id="another account of the namespace"),
        pytest.param({"audience": "sts.amazonaws.com"}, id="a token for another audience"),
        pytest.param({"issuer": "https://issuer.example.com"}, id="another issuer"),
        pytest.param({"key": True}, id="signed by another key"),
        pytest.param({"expired": True}, id="an expired token"),
    ],
)
def test_the_role_refuses_every_token_but_its_own_accounts(applied: Applied, change: dict[str, Any]) -> None:
    service_account = change.get("service_account", sync_service_account_name("orders-api"))
    namespace = change.get("namespace", "orders")
    issuer = (
        TestIssuer(change.get("issuer", applied.issuer.issuer))
        if "issuer" in change or "key" in change
        else applied.issuer
    )
    overrides: dict[str, Any] = {}
    if change.get("expired"):
        overrides = {"exp": 1_000_000_000, "iat": 999_999_000, "nbf": 999_999_000}
    jwt = issuer.token(namespace, service_account, change.get("audience", AUDIENCE), **overrides)
    client = hvac.Client(url=applied.server.address)
    with pytest.raises((hvac.exceptions.InvalidRequest, hvac.exceptions.Forbidden)):
        client.auth.jwt.jwt_login(
            role=auth_role_name(CLUSTER, sync_service_account_name("orders-api")),
            jwt=jwt,
            path=applied.replay.auth_mount,
        )


def test_a_rotated_value_is_the_one_read_and_versions_past_the_limit_are_destroyed(applied: Applied) -> None:
    root = applied.server.client()
    mount = applied.replay.kv_mount
    path = "secrets-dev/orders-webhook-key"
    planned = applied.replay.kv_secrets[path]["customMetadata"]
    max_versions = int(planned["maxVersions"])
    metadata = root.secrets.kv.v2.read_secret_metadata(path=path, mount_point=mount)["data"]
    assert metadata["max_versions"] == max_versions == 3
    # rotationDays 30 + versionGraceDays 7: a version is deleted 37 days after it was written.
    assert metadata["delete_version_after"] == "888h0m0s" and planned["deleteVersionAfter"] == 37 * 86400
    first = applied.values[path]
    rotated = first
    for _ in range(max_versions):  # each rotation writes the next KV version at the same path
        rotated = {"signing-key": _canary("rotated")}
        root.secrets.kv.v2.create_or_update_secret(path=path, secret=rotated, mount_point=mount)
    reader = applied.login("orders", "orders-api")
    assert _read(reader, mount, path) == rotated, "External Secrets reads the latest version"
    versions = root.secrets.kv.v2.read_secret_metadata(path=path, mount_point=mount)["data"]["versions"]
    assert sorted(int(v) for v in versions) == [2, 3, 4], "only maxVersions versions are kept"
    with pytest.raises(hvac.exceptions.InvalidPath):
        root.secrets.kv.v2.read_secret_version(
            path=path, version=1, mount_point=mount, raise_on_deleted_version=True
        )
    applied.values[path] = rotated


def test_the_operator_written_path_has_the_planned_limits(applied: Applied) -> None:
    path = "secrets-dev/payments-acquirer-token"
    metadata = applied.server.client().secrets.kv.v2.read_secret_metadata(
        path=path, mount_point=applied.replay.kv_mount
    )["data"]
    assert metadata["max_versions"] == 3
    assert metadata["delete_version_after"] == f"{(90 + 7) * 24}h0m0s"
    assert metadata["custom_metadata"]["secrets-platform/rotated-by"] == "operators"
    assert applied.replay.kv_secrets[path]["path"] == kv_metadata_path(
        applied.replay.kv_mount, CLUSTER, "payments-acquirer-token"
    )


def test_the_audit_log_records_each_access_with_values_hmaced_never_in_clear(applied: Applied) -> None:
    mount = applied.replay.kv_mount
    reader = applied.login("payments", "payments-api")
    _read(reader, mount, "secrets-dev/payments-acquirer-token")
    with pytest.raises(hvac.exceptions.Forbidden):
        _read(reader, mount, "secrets-dev/orders-webhook-key")
    text = applied.replay.audit_log.read_text(encoding="utf-8")
    entries = [json.loads(line) for line in text.splitlines()]
    reads = [
        e
        for e in entries
        if e["type"] == "response"
        and e["request"]["path"] == f"{mount}/data/secrets-dev/payments-acquirer-token"
        and e.get("auth", {}).get("metadata", {}).get("role")
        == auth_role_name(CLUSTER, "payments-api-vault-sync")
    ]
    assert reads and "error" not in reads[-1], "the read is recorded with the login's role, in clear"
    # The fields the unexpected-reader filter reads (components/vault/audit.py) are there, as it reads them.
    assert reads[-1]["request"]["operation"] == "read"
    value = reads[-1]["response"]["data"]["data"]["token"]
    assert value.startswith("hmac-sha256:"), "the value is recorded as an HMAC"
    denied = [
        e
        for e in entries
        if e["type"] == "response"
        and e["request"]["path"] == f"{mount}/data/secrets-dev/orders-webhook-key"
        and "permission denied" in e.get("error", "")
    ]
    assert denied, "the refused read is recorded with its error (the denied-access alarm's field)"
    for secret_value in (v for values in applied.values.values() for v in values.values()):
        assert secret_value not in text, "a secret value is in the audit log in clear"
    assert "vaultcanary" not in text and "spgenerated" not in text
