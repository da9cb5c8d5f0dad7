"""The Vault components' pure parts, tested without a runtime or a server: paths, the read policy,
the audit device and its alert filters, version retention, and each component's argument checks."""

from __future__ import annotations

import pytest

from components.vault.audit import (
    DENIED_PATTERN,
    FILTER_PATTERN_MAX_LENGTH,
    VaultAuditArgs,
    check_audit_args,
    device_options,
    unexpected_reader_pattern,
)
from components.vault.foundation import version_retention
from components.vault.paths import issuer_url, kv_data_path, read_policy
from components.vault.secret_store import (
    VaultSecretStoreArgs,
    check_store_args,
    kv_metadata,
    vault_provider_block,
)
from components.vault.workload_identity import VaultSyncIdentityArgs, check_identity_args, role_bindings
from config.models import CloudSecret, VaultAuditConfig, Workload
from config.references import vault_unexpected_reader_filter_length
from tests.components._support import stack_config

ORDERS = Workload(name="orders-api", namespace="orders", image="x:1")


def _entry(**change: object) -> CloudSecret:
    return CloudSecret.model_validate(
        {"name": "orders-key", "source": "cloud", "store": "hashicorp-vault", "keys": ["k"], **change}
    )


def test_the_read_policy_names_each_path_once_with_read_only() -> None:
    text = read_policy(["m/data/c/b", "m/data/c/a", "m/data/c/a"])
    assert text == (
        'path "m/data/c/a" {\n  capabilities = ["read"]\n}\n\npath "m/data/c/b" {\n  capabilities = ["read"]\n}\n'
    )


@pytest.mark.parametrize("path", ["m/data/*", "m/data/+/x", 'm/"x', "/m/data/x"])
def test_the_read_policy_refuses_anything_but_an_exact_path(path: str) -> None:
    with pytest.raises(ValueError, match="not one exact Vault path"):
        read_policy([path])


def test_issuers_are_urls_as_their_tokens_carry_them() -> None:
    assert (
        issuer_url("oidc.eks.eu-west-1.amazonaws.com/id/ABC")
        == "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC"
    )
    aks = "https://westeurope.oic.prod-aks.azure.com/tenant/guid/"
    assert issuer_url(aks) == aks, "the trailing slash is part of the AKS issuer"


def test_versions_live_one_rotation_period_plus_the_grace() -> None:
    assert version_retention(30, 7).days == 37
    metadata = kv_metadata(_entry(rotationDays=30), "c", max_versions=3, grace_days=7)
    assert metadata["max_versions"] == 3 and metadata["delete_version_after"] == 37 * 86400
    assert metadata["custom_metadata"]["secrets-platform/rotated-by"] == "platform"
    assert kv_metadata(_entry(generate=False), "c", 3, 7)["custom_metadata"][
        "secrets-platform/rotated-by"
    ] == ("operators")


def test_the_store_refuses_what_would_break_retention() -> None:
    args = VaultSecretStoreArgs(
        entries=[_entry(), _entry(store="default")],
        cluster_name="c",
        kv_mount="m",
        address="https://v",
        auth_mount="a",
        audience="vault",
        max_versions=1,
        grace_days=0,
    )
    problems = check_store_args(args)
    assert any("not a `store: hashicorp-vault` secret" in p for p in problems)
    assert any("max_versions 1" in p for p in problems) and any("grace of 0 days" in p for p in problems)


def test_the_eso_provider_logs_in_with_one_account_and_one_audience() -> None:
    block = vault_provider_block(
        "https://v", "m", "jwt", "c-orders-api-vault-sync", "orders-api-vault-sync", "vault"
    )
    assert block == {
        "vault": {
            "server": "https://v",
            "path": "m",
            "version": "v2",
            "auth": {
                "jwt": {
                    "path": "jwt",
                    "role": "c-orders-api-vault-sync",
                    "kubernetesServiceAccountToken": {
                        "serviceAccountRef": {"name": "orders-api-vault-sync", "audiences": ["vault"]}
                    },
                }
            },
        }
    }


def test_the_identity_refuses_no_path_a_glob_a_long_ttl_and_several_audiences() -> None:
    args = VaultSyncIdentityArgs(
        workload=ORDERS, read_paths=[], cluster_name="c", auth_mount="a", audience="a,b", token_ttl_seconds=10
    )
    problems = " ".join(check_identity_args(args))
    assert "no path is granted" in problems and "token TTL 10" in problems and "one audience" in problems
    globbed = VaultSyncIdentityArgs(
        workload=ORDERS,
        read_paths=["m/data/*"],
        cluster_name="c",
        auth_mount="a",
        audience="v",
        token_ttl_seconds=600,
    )
    assert "not one exact Vault path" in " ".join(check_identity_args(globbed))
    assert role_bindings("orders", "sa") == {
        "/kubernetes.io/namespace": "orders",
        "/kubernetes.io/serviceaccount/name": "sa",
    }


def test_the_audit_device_never_logs_raw() -> None:
    file_options = device_options(VaultAuditConfig())
    assert file_options["log_raw"] == "false" and file_options["hmac_accessor"] == "true"
    assert file_options["file_path"] == "/vault/audit/secrets-platform.log" and file_options["mode"] == "0600"
    socket_options = device_options(VaultAuditConfig(type="socket", address="collector.example.com:9090"))
    assert socket_options["address"] == "collector.example.com:9090" and "file_path" not in socket_options


def test_the_alert_filters_read_the_fields_vault_writes() -> None:
    assert DENIED_PATTERN == '{ $.type = "response" && $.error = "*permission denied*" }'
    pattern = unexpected_reader_pattern("m", ["c-b", "c-a"])
    assert pattern == (
        '{ $.type = "response" && $.request.operation = "read" && $.request.path = "m/data/*" && '
        '$.error NOT EXISTS && ($.auth.metadata.role NOT EXISTS || ($.auth.metadata.role != "c-a" && '
        '$.auth.metadata.role != "c-b")) }'
    )
    assert "auth.metadata.role" not in unexpected_reader_pattern("m", []), (
        "no expected reader: every read alarms"
    )
    with pytest.raises(ValueError, match="at most"):
        unexpected_reader_pattern("m", [f"c-workload-{i}-vault-sync" for i in range(40)])
    too_many = VaultAuditArgs(
        audit=VaultAuditConfig(),
        cluster_name="c",
        kv_mount="m",
        expected_readers=[f"c-workload-{i}-vault-sync" for i in range(40)],
    )
    assert any(str(FILTER_PATTERN_MAX_LENGTH) in p for p in check_audit_args(too_many))


def test_kv_data_paths_are_the_http_api_paths() -> None:
    assert (
        kv_data_path("secrets-platform", "secrets-dev", "orders-key")
        == "secrets-platform/data/secrets-dev/orders-key"
    )


@pytest.mark.parametrize("workloads", [0, 1, 3, 9])
def test_config_knows_the_alert_filters_length_before_any_component_does(workloads: int) -> None:
    def mutate(raw: dict) -> None:
        raw["workloads"] = raw["workloads"] + [
            {"name": f"w{i}-api", "image": "x:1"} for i in range(workloads)
        ]
        raw["secrets"] = [s for s in raw["secrets"] if s.get("store") != "hashicorp-vault"] + [
            {
                "name": f"v{i}",
                "source": "cloud",
                "store": "hashicorp-vault",
                "keys": ["k"],
                "readers": [f"w{i}-api"],
            }
            for i in range(workloads)
        ]

    stack = stack_config(mutate)
    roles = [f"secrets-dev-w{i}-api-vault-sync" for i in range(workloads)]
    assert vault_unexpected_reader_filter_length(stack) == len(
        unexpected_reader_pattern("secrets-platform", roles)
    )


def test_too_many_vault_readers_for_the_alert_filter_is_a_config_error() -> None:
    from config.loader import parse
    from config.references import check_references
    from tests.components._support import ALIASES, NS
    from tests.conftest import dev_stack

    config = dev_stack()["config"]
    raw = {k[len(NS) :]: v for k, v in config.items() if k.startswith(NS) and k[len(NS) :] in ALIASES}
    raw["workloads"] = raw["workloads"] + [
        {"name": f"reporting-worker-{i:02d}", "image": "x:1"} for i in range(20)
    ]
    raw["secrets"] = raw["secrets"] + [
        {
            "name": f"report-{i:02d}",
            "source": "cloud",
            "store": "hashicorp-vault",
            "keys": ["k"],
            "readers": [f"reporting-worker-{i:02d}"],
        }
        for i in range(20)
    ]
    stack, problems = parse(raw, "eu-west-1")
    assert stack is None or check_references(stack) == problems
    assert [p.key for p in problems] == ["secrets-platform:secrets"], problems
    assert "at most 1024 characters" in problems[0].expected
