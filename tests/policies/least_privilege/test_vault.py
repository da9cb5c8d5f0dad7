"""The Vault policies: least privilege of policies and auth roles, audit devices, version limits.

Each test builds a happy-path resource as the platform declares it (`passed-*`) and changes one
property per failing case (`failed-*`).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_vault as vault

from policies.audit import VAULT_AUDIT_DEVICE_HMAC, VAULT_AUDIT_DEVICE_PRESENT
from policies.least_privilege.vault import (
    VAULT_AUTH_ROLE_BINDING,
    VAULT_AUTH_ROLE_TOKEN_TTL,
    VAULT_POLICY_CAPABILITIES,
    VAULT_POLICY_PATHS,
    parse_policy,
)
from policies.retention import VAULT_KV_VERSION_LIMITS
from tests.policies.conftest import judge, run, violations

READ_ONE = 'path "secrets-platform/data/secrets-dev/orders-queue" {\n  capabilities = ["read"]\n}\n'


def _policy(name: str, text: str) -> None:
    vault.Policy(name, name=name, policy=text)


def test_policy_text_is_parsed_in_hcl_and_json() -> None:
    assert parse_policy(READ_ONE) == [("secrets-platform/data/secrets-dev/orders-queue", ["read"])]
    assert parse_policy('{"path": {"a/b": {"capabilities": ["read", "list"]}}}') == [
        ("a/b", ["read", "list"])
    ]
    assert parse_policy('# comment\npath "a" {\n capabilities = ["read"] # why\n}') == [("a", ["read"])]
    assert parse_policy('path "a" { capabilities = ["read"] }\nunexpected = true') is None


def test_policy_paths_must_be_exact() -> None:
    def body() -> None:
        _policy("passed-1", READ_ONE)
        _policy(
            "passed-2",
            READ_ONE
            + 'path "secrets-platform/data/secrets-dev/orders-key" {\n  capabilities = ["read"]\n}\n',
        )
        _policy("failed-1", 'path "secrets-platform/data/*" {\n  capabilities = ["read"]\n}\n')
        _policy("failed-2", 'path "secrets-platform/data/+/orders-queue" {\n  capabilities = ["read"]\n}\n')
        _policy("failed-3", "this is not a policy")

    found = judge(VAULT_POLICY_PATHS, body)
    assert "1 globbed path(s) (blocks 0)" in found["failed-1"][0], "blocks are named by index, never by path"
    assert "secrets-platform/data" not in found["failed-1"][0]


def test_a_listed_glob_is_accepted_by_config() -> None:
    capture = run(lambda: _policy("r", 'path "shared/data/*" {\n  capabilities = ["read"]\n}\n'))
    assert violations(VAULT_POLICY_PATHS, capture, {"allowedGlobPaths": ["shared/data/*"]}) == {}
    assert violations(VAULT_POLICY_PATHS, capture) != {}


def test_policy_capabilities_are_read_only() -> None:
    def body() -> None:
        _policy("passed-1", READ_ONE)
        _policy("failed-1", READ_ONE.replace('["read"]', '["read", "sudo"]'))
        _policy("failed-2", READ_ONE.replace('["read"]', '["*"]'))
        _policy("failed-3", READ_ONE.replace('["read"]', '["create", "update"]'))
        _policy("failed-4", READ_ONE.replace('  capabilities = ["read"]\n', ""))

    found = judge(VAULT_POLICY_CAPABILITIES, body)
    assert "(sudo)" in found["failed-1"][0], "a capability Vault knows is named"
    assert "secrets-platform/data" not in found["failed-1"][0], "the path is not repeated"


def _jwt_role(name: str, **change: Any) -> None:
    args: dict[str, Any] = {
        "backend": "secrets-platform-jwt",
        "role_name": name,
        "role_type": "jwt",
        "user_claim": "sub",
        "bound_audiences": ["vault"],
        "bound_subject": "system:serviceaccount:orders:orders-api-vault-sync",
        "bound_claims": {
            "/kubernetes.io/namespace": "orders",
            "/kubernetes.io/serviceaccount/name": "orders-api-vault-sync",
        },
        "bound_claims_type": "string",
        "token_policies": ["p"],
        "token_ttl": 600,
    }
    args.update(change)
    vault.jwt.AuthBackendRole(name, **{k: v for k, v in args.items() if v is not None})


def _k8s_role(name: str, **change: Any) -> None:
    args: dict[str, Any] = {
        "backend": "kubernetes",
        "role_name": name,
        "bound_service_account_names": ["orders-api-vault-sync"],
        "bound_service_account_namespaces": ["orders"],
        "audience": "vault",
        "token_policies": ["p"],
    }
    args.update(change)
    vault.kubernetes.AuthBackendRole(name, **args)


def test_auth_roles_are_bound_to_one_service_account_of_one_namespace() -> None:
    def body() -> None:
        _jwt_role("passed-1")
        _jwt_role("passed-2", bound_claims=None)  # the exact subject alone pins both
        _jwt_role("passed-3", bound_subject=None)  # exact claims alone pin both
        _k8s_role("passed-4")
        _jwt_role("failed-1", bound_audiences=None)
        _jwt_role("failed-2", bound_subject="system:serviceaccount:orders:*", bound_claims=None)
        _jwt_role("failed-3", bound_subject=None, bound_claims={"/kubernetes.io/namespace": "orders"})
        _jwt_role(
            "failed-4",
            bound_claims_type="glob",
            bound_claims={"/kubernetes.io/namespace": "*", "/kubernetes.io/serviceaccount/name": "*"},
        )
        _k8s_role("failed-5", bound_service_account_names=["*"])
        _k8s_role("failed-6", bound_service_account_namespaces=["orders", "payments"])
        _jwt_role("failed-7", bound_audiences=["*"])

    judge(VAULT_AUTH_ROLE_BINDING, body)


def test_auth_roles_cap_the_lifetime_of_their_tokens() -> None:
    def body() -> None:
        _jwt_role("passed-1", token_max_ttl=900)  # as the platform declares it
        _jwt_role("passed-2", token_ttl=300, token_explicit_max_ttl=3600)
        _k8s_role("passed-3", token_ttl=600, token_max_ttl=86_400)
        _jwt_role("passed-4", token_period=600, token_explicit_max_ttl=3600)  # periodic, hard-capped
        _jwt_role("failed-1")  # a TTL but no max: renewals up to the system's 32 days
        _k8s_role("failed-2")
        _jwt_role("failed-3", token_max_ttl=7 * 86_400)
        _jwt_role("failed-4", token_max_ttl=3600, token_explicit_max_ttl=0, token_ttl=200_000)
        _jwt_role("failed-5", token_period=600, token_max_ttl=900)  # periodic tokens ignore the max TTL
        _k8s_role("failed-6", token_period=600, token_explicit_max_ttl=7 * 86_400)

    found = judge(VAULT_AUTH_ROLE_TOKEN_TTL, body)
    assert "renew without end" in found["failed-5"][0]


def test_the_token_lifetime_bound_comes_from_policy_config() -> None:
    def body() -> None:
        _jwt_role("passed-1", token_max_ttl=900)
        _jwt_role("failed-1", token_max_ttl=3600)

    found = judge(VAULT_AUTH_ROLE_TOKEN_TTL, body, {"maxTokenTtlSeconds": 1800})
    assert "(1800 s)" in found["failed-1"][0]


def _audit(name: str, **options: str) -> None:
    vault.Audit(
        name,
        type="file",
        path=name,
        options={"file_path": "/vault/audit/a.log", "format": "json", "log_raw": "false", **options},
        opts=pulumi.ResourceOptions(protect=True),
    )


def test_audit_devices_hmac_values_and_accessors() -> None:
    def body() -> None:
        _audit("passed-1")
        _audit("passed-2", hmac_accessor="true")
        vault.Mount("passed-3", path="kv", type="kv", options={"version": "2"})
        _audit("failed-1", log_raw="true")
        _audit("failed-2", hmac_accessor="false")
        vault.Mount("failed-3", path="kv2", type="kv", audit_non_hmac_response_keys=["data"])

    judge(VAULT_AUDIT_DEVICE_HMAC, body)


def test_a_stack_with_vault_resources_has_an_audit_device() -> None:
    def without() -> None:
        vault.Policy("p", name="p", policy=READ_ONE)

    def with_device() -> None:
        vault.Policy("p", name="p", policy=READ_ONE)
        _audit("a")

    missing = violations(VAULT_AUDIT_DEVICE_PRESENT, run(without))
    assert list(missing) == ["p"] and "no audit device there" in missing["p"][0]
    assert violations(VAULT_AUDIT_DEVICE_PRESENT, run(with_device)) == {}
    assert violations(VAULT_AUDIT_DEVICE_PRESENT, run(lambda: None)) == {}, "no Vault, nothing to audit"


def test_an_audit_device_audits_only_its_own_vault() -> None:
    """Resources appended with the default provider are not audited by the device of the platform's own
    Vault (an explicit provider), and the other way round."""

    def body() -> None:
        platform = vault.Provider("platform-vault", address="https://vault.platform.example:8200")
        own = pulumi.ResourceOptions(provider=platform)
        vault.Policy("passed-1", name="p", policy=READ_ONE, opts=own)
        vault.Audit("audit", type="file", path="platform", options={"file_path": "/a.log"}, opts=own)
        vault.Policy("failed-1", name="q", policy=READ_ONE)  # the default provider: another Vault

    judge(VAULT_AUDIT_DEVICE_PRESENT, body)


def test_kv_version_limits_are_per_vault() -> None:
    def body() -> None:
        other = pulumi.ResourceOptions(
            provider=vault.Provider("other-vault", address="https://other.example:8200")
        )
        vault.Mount("passed-1", path="kv", type="kv", options={"version": "2"})
        vault.kv.SecretBackendV2("limits", mount="kv", max_versions=3, delete_version_after=37 * 86400)
        vault.Mount("failed-1", path="kv", type="kv", options={"version": "2"}, opts=other)

    judge(VAULT_KV_VERSION_LIMITS, body)


def test_kv_mounts_and_secrets_bound_their_versions() -> None:
    def body() -> None:
        ok = vault.Mount("passed-1", path="kv-ok", type="kv", options={"version": "2"})
        vault.kv.SecretBackendV2("passed-2", mount=ok.path, max_versions=3, delete_version_after=37 * 86400)
        vault.Mount("passed-3", path="kv-v1", type="kv", options={"version": "1"})  # KV v1 keeps no versions
        vault.kv.SecretV2(
            "passed-4",
            mount=ok.path,
            name="a",
            data_json=pulumi.Output.secret("{}"),
            custom_metadata={"max_versions": 3, "delete_version_after": 86400},
        )
        vault.Mount("failed-1", path="kv-bare", type="kv", options={"version": "2"})
        vault.Mount("failed-2", path="kv-v2", type="kv-v2")
        unlimited = vault.Mount("passed-5", path="kv-unlimited", type="kv", options={"version": "2"})
        vault.kv.SecretBackendV2("failed-3", mount=unlimited.path, max_versions=0, delete_version_after=86400)
        never = vault.Mount("passed-6", path="kv-never", type="kv", options={"version": "2"})
        vault.kv.SecretBackendV2("failed-4", mount=never.path, max_versions=3)
        vault.kv.SecretV2(
            "failed-5",
            mount=ok.path,
            name="b",
            data_json=pulumi.Output.secret("{}"),
            custom_metadata={"max_versions": 500, "delete_version_after": 86400},
        )

    judge(VAULT_KV_VERSION_LIMITS, body)
