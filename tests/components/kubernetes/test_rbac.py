"""RBAC: a workload may `get` exactly its Secrets; operators manage Secrets per namespace; nobody else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from components.kubernetes.rbac import (
    FORBIDDEN_VERBS,
    SecretOperator,
    SecretOperatorArgs,
    SecretReader,
    SecretReaderArgs,
    check_operator_args,
    check_reader_args,
)
from offline.plan import Plan, Resource, make_plan
from offline.runtime import Capture
from tests.components._support import by_name, refused, run, stack_config

ROOT = Path(__file__).resolve().parents[3]
RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"


def _reader_args(**changes: Any) -> SecretReaderArgs:
    """The happy path: payments-api reading its three Secrets."""
    fields: dict[str, Any] = {
        "namespace": "payments",
        "service_account": "payments-api",
        "secret_names": ["payments-provider-v1", "payments-db-v1", "payments-ca-v1"],
        "workload": "payments-api",
    }
    return SecretReaderArgs(**{**fields, **changes})


def _reader(args: SecretReaderArgs) -> Capture:
    return run(lambda: SecretReader("r", args))


def _operator() -> Capture:
    return run(
        lambda: SecretOperator(
            "o",
            SecretOperatorArgs(
                namespace="payments", group="platform-operators", secret_names=["payments-db-v2"]
            ),
        )
    )


# --- SecretReader ----------------------------------------------------------------------------------


def test_reader_role_gets_exactly_the_granted_secrets() -> None:
    role = by_name(_reader(_reader_args()), "r-role")
    assert role.inputs["rules"] == [
        {
            "apiGroups": [""],
            "resources": ["secrets"],
            "resourceNames": ["payments-ca-v1", "payments-db-v1", "payments-provider-v1"],
            "verbs": ["get"],
        }
    ], f"{role.urn}: get on exactly the versioned names, nothing else"
    assert role.inputs["metadata"]["name"] == "payments-api-secret-reader", role.urn
    assert role.inputs["metadata"]["namespace"] == "payments", role.urn


def test_reader_binding_binds_only_the_workloads_service_account() -> None:
    capture = _reader(_reader_args())
    binding = by_name(capture, "r-binding")
    assert binding.inputs["subjects"] == [
        {"kind": "ServiceAccount", "name": "payments-api", "namespace": "payments"}
    ], f"{binding.urn}: one subject, the ServiceAccount"
    assert binding.inputs["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": "payments-api-secret-reader",
    }, f"{binding.urn}: a namespaced Role, never a ClusterRole"
    assert binding.parent == by_name(capture, "r-role").urn, f"{binding.urn} is nested under its Role"


def test_reader_without_secrets_is_refused_since_empty_resource_names_means_all() -> None:
    message, capture = refused(lambda: SecretReader("r", _reader_args(secret_names=[])))
    assert "declare no reader Role rather than an empty one" in message
    assert capture.resources == [], "nothing is declared for refused arguments"


@pytest.mark.parametrize(("names", "expected"), [(["*"], "without wildcards"), (["a-v1", "a-v1"], "twice")])
def test_reader_with_wildcard_or_duplicate_names_is_refused(names: list[str], expected: str) -> None:
    problems = check_reader_args(_reader_args(secret_names=names))
    assert len(problems) == 1 and expected in problems[0], problems


# --- SecretOperator ----------------------------------------------------------------------------------


def test_operator_role_manages_secrets_and_rolls_deployments_without_list_or_watch() -> None:
    role = by_name(_operator(), "o-role")
    assert role.inputs["rules"] == [
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["create"]},
        {
            "apiGroups": [""],
            "resources": ["secrets"],
            "resourceNames": ["payments-db-v2"],
            "verbs": ["delete", "get", "patch", "update"],
        },
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "patch"]},
    ], f"{role.urn}: operator verbs"
    assert role.inputs["metadata"]["namespace"] == "payments", role.urn


def test_operator_binding_binds_the_group_only() -> None:
    binding = by_name(_operator(), "o-binding")
    assert binding.inputs["subjects"] == [
        {"kind": "Group", "name": "platform-operators", "apiGroup": "rbac.authorization.k8s.io"}
    ], f"{binding.urn}: the operations group"
    assert binding.inputs["roleRef"]["kind"] == "Role", binding.urn


def test_operator_role_for_everyone_is_refused() -> None:
    assert check_operator_args(
        SecretOperatorArgs(namespace="payments", group="system:authenticated", secret_names=["x-v1"])
    ) == ["group 'system:authenticated' is not a team: name the operations team's own group"]


# --- the whole dev plan ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dev_plan() -> Plan:
    return make_plan(ROOT, "dev")


def _of(plan: Plan, kind: str) -> list[Resource]:
    return [r for r in plan.resources if r.type == RBAC + kind]


def test_plan_declares_no_cluster_wide_rbac(dev_plan: Plan) -> None:
    assert _of(dev_plan, "ClusterRole") == [] and _of(dev_plan, "ClusterRoleBinding") == []


def test_no_role_lists_watches_or_wildcards_secrets(dev_plan: Plan) -> None:
    roles = _of(dev_plan, "Role")
    assert roles, "the plan declares Roles"
    for role in roles:
        for rule in role.inputs["rules"]:
            for field in ("apiGroups", "resources", "resourceNames", "verbs"):
                assert "*" not in rule.get(field, []), f"{role.urn}: wildcard in {field}"
            if "secrets" in rule["resources"]:
                assert not FORBIDDEN_VERBS & set(rule["verbs"]), f"{role.urn}: list/watch on secrets"


def test_each_workload_reads_exactly_the_versioned_names_of_its_grants(dev_plan: Plan) -> None:
    stack = stack_config()
    readers = {
        r.inputs["metadata"]["name"]: r.inputs["rules"][0]["resourceNames"]
        for r in _of(dev_plan, "Role")
        if r.inputs["metadata"]["name"].endswith("-secret-reader")
    }
    expected = {
        f"{w.name}-secret-reader": sorted(
            f"{s.name}-v{s.version}" for s in stack.secrets if w.name in s.readers
        )
        for w in stack.workloads
    }
    assert readers == expected, "reader Roles, including cloud-synced orders-queue-v1"


def test_operators_hold_a_role_in_each_namespace_with_secrets_and_nobody_else_is_bound(
    dev_plan: Plan,
) -> None:
    subjects = {
        (b.inputs["metadata"]["namespace"], b.inputs["roleRef"]["name"], s["kind"], s["name"])
        for b in _of(dev_plan, "RoleBinding")
        for s in b.inputs["subjects"]
    }
    assert subjects == {
        ("bff", "secrets-operator", "Group", "platform-operators"),
        ("orders", "secrets-operator", "Group", "platform-operators"),
        ("payments", "secrets-operator", "Group", "platform-operators"),
        ("orders", "orders-api-secret-reader", "ServiceAccount", "orders-api"),
        ("payments", "payments-api-secret-reader", "ServiceAccount", "payments-api"),
        # External Secrets may mint tokens for the one sync ServiceAccount of orders-api, nothing else.
        ("orders", "orders-api-secret-sync-token", "ServiceAccount", "external-secrets"),
    }
