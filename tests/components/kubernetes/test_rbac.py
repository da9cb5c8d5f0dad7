"""RBAC across a whole plan: workloads get exactly their Secrets, operators manage them per namespace,
nobody else is bound, nothing is cluster-wide."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.kubernetes.secret_reader import (
    FORBIDDEN_VERBS,
)
from offline.plan import Plan, Resource, make_plan
from tests.components._support import stack_config

ROOT = Path(__file__).resolve().parents[3]
RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"


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
        ("cms", "secrets-operator", "Group", "platform-operators"),
        # ... and for the CMS's, which syncs only the RDS master credentials.
        ("cms", "cms-secret-sync-token", "ServiceAccount", "external-secrets"),
        # ... and for its Vault sync ServiceAccount (orders-webhook-key is kept in Vault).
        ("orders", "orders-api-vault-sync-token", "ServiceAccount", "external-secrets"),
    }
