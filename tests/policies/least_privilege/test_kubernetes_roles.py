"""Kubernetes Roles and ClusterRoles: each rule judged by what it effectively grants."""

from __future__ import annotations

import pulumi_kubernetes as k8s
import pytest

from policies.least_privilege import (
    KUBERNETES_CLUSTERROLE_AGGREGATION,
    KUBERNETES_CLUSTERROLE_SECRETS,
    KUBERNETES_ROLE_POD_EXEC,
    KUBERNETES_ROLE_PRIVILEGE_ESCALATION,
    KUBERNETES_ROLE_SECRET_RESOURCE_NAMES,
    KUBERNETES_ROLE_SECRET_VERBS,
    KUBERNETES_ROLE_SERVICEACCOUNT_TOKEN,
    KUBERNETES_ROLE_WILDCARDS,
)
from policies.least_privilege._rbac import POD_EXEC, Permission, matched_verbs
from tests.policies.conftest import judge

READER = {
    "api_groups": [""],
    "resources": ["secrets"],
    "resource_names": ["payments-db-v1"],
    "verbs": ["get"],
}


def _role(
    name: str, *rules: dict, cluster: bool = False, labels: dict | None = None, **extra: object
) -> None:
    kind = k8s.rbac.v1.ClusterRole if cluster else k8s.rbac.v1.Role
    metadata = {"name": name, "namespace": None if cluster else "payments", "labels": labels}
    kind(name, metadata=metadata, rules=list(rules) if rules else None, **extra)


@pytest.mark.parametrize(
    ("rule", "permission", "verbs"),
    [
        ({"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}, POD_EXEC[0], ["create"]),
        ({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, POD_EXEC[0], ["create", "get"]),
        ({"apiGroups": [""], "resources": ["*/exec"], "verbs": ["get"]}, POD_EXEC[0], ["get"]),
        # `pods/*` is no pattern for the authorizer: it names a resource literally called so.
        ({"apiGroups": [""], "resources": ["pods/*"], "verbs": ["create"]}, POD_EXEC[0], []),
        ({"apiGroups": ["apps"], "resources": ["pods/exec"], "verbs": ["create"]}, POD_EXEC[0], []),
        ({"apiGroups": [""], "resources": ["pods"], "verbs": ["create"]}, POD_EXEC[0], []),
        (
            {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["*"], "verbs": ["bind"]},
            Permission("rbac.authorization.k8s.io", "clusterroles", ("escalate", "bind")),
            ["bind"],
        ),
    ],
)
def test_rules_match_as_the_authorizer_matches_them(rule: dict, permission: Permission, verbs: list) -> None:
    assert matched_verbs(rule, permission) == verbs


def test_role_wildcards() -> None:
    def body() -> None:
        _role("passed-1", READER)
        _role("passed-2", {"api_groups": ["apps"], "resources": ["deployments"], "verbs": ["get", "patch"]})
        _role("failed-1", {**READER, "verbs": ["*"]})
        _role("failed-2", {"api_groups": ["*"], "resources": ["configmaps"], "verbs": ["get"]})
        _role("failed-3", {"api_groups": [""], "resources": ["*"], "verbs": ["get"]}, cluster=True)

    judge(KUBERNETES_ROLE_WILDCARDS, body)


def test_role_secret_resource_names() -> None:
    def body() -> None:
        _role("passed-1", READER)
        _role(
            "passed-2", {"api_groups": [""], "resources": ["secrets"], "verbs": ["create"]}
        )  # cannot be named
        _role("passed-3", {"api_groups": [""], "resources": ["configmaps"], "verbs": ["get"]})
        _role("passed-4", {"api_groups": ["example.com"], "resources": ["secrets"], "verbs": ["get"]})
        _role("failed-1", {**READER, "resource_names": []})
        _role(
            "failed-2", {"api_groups": [""], "resources": ["secrets"], "verbs": ["create", "get", "delete"]}
        )
        _role("failed-3", {"api_groups": [""], "resources": ["*"], "verbs": ["get"]})
        _role("failed-4", {**READER, "resource_names": ["*"]})

    found = judge(KUBERNETES_ROLE_SECRET_RESOURCE_NAMES, body)
    assert "delete, get" in found["failed-2"][0], "verbs Kubernetes knows are named; create cannot be named"


def test_role_secret_verbs() -> None:
    def body() -> None:
        _role("passed-1", READER)
        _role("passed-2", {"api_groups": [""], "resources": ["configmaps"], "verbs": ["list", "watch"]})
        _role("failed-1", {**READER, "verbs": ["get", "list"]})
        _role("failed-2", {**READER, "verbs": ["watch"]})
        _role("failed-3", {"api_groups": [""], "resources": ["*"], "verbs": ["list"]})

    judge(KUBERNETES_ROLE_SECRET_VERBS, body)


def test_clusterrole_secrets() -> None:
    def body() -> None:
        _role("passed-1", READER)  # a namespaced Role may
        _role("passed-2", {"api_groups": [""], "resources": ["configmaps"], "verbs": ["get"]}, cluster=True)
        _role("failed-1", READER, cluster=True)
        _role("failed-2", {"api_groups": [""], "resources": ["*"], "verbs": ["get"]}, cluster=True)

    judge(KUBERNETES_CLUSTERROLE_SECRETS, body)


def test_clusterrole_secrets_allow_list() -> None:
    def body() -> None:
        _role("passed-1", READER, cluster=True)
        _role("failed-1", READER, cluster=True)

    judge(KUBERNETES_CLUSTERROLE_SECRETS, body, {"allowList": ["passed-1"]})


def test_role_pod_exec() -> None:
    def body() -> None:
        _role("passed-1", {"api_groups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list"]})
        _role("passed-2", {"api_groups": [""], "resources": ["pods/*"], "verbs": ["create"]})
        _role("failed-1", {"api_groups": [""], "resources": ["pods/exec"], "verbs": ["create"]})
        _role("failed-2", {"api_groups": [""], "resources": ["pods/attach"], "verbs": ["get"]})  # WebSocket
        _role("failed-3", {"api_groups": [""], "resources": ["*/portforward"], "verbs": ["create"]})
        _role("failed-4", {"api_groups": [""], "resources": ["pods/ephemeralcontainers"], "verbs": ["patch"]})
        _role("failed-5", {"api_groups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]}, cluster=True)
        _role("failed-6", {"api_groups": ["*"], "resources": ["*"], "verbs": ["*"]})

    found = judge(KUBERNETES_ROLE_POD_EXEC, body)
    assert "create on pods/exec" in found["failed-1"][0]


def test_role_privilege_escalation() -> None:
    def body() -> None:
        _role(
            "passed-1",
            {"api_groups": ["rbac.authorization.k8s.io"], "resources": ["roles"], "verbs": ["get"]},
        )
        _role("passed-2", {"api_groups": [""], "resources": ["serviceaccounts"], "verbs": ["get", "list"]})
        rbac = "rbac.authorization.k8s.io"
        _role(
            "failed-1",
            {"api_groups": [rbac], "resources": ["clusterroles"], "verbs": ["escalate"]},
            cluster=True,
        )
        _role("failed-2", {"api_groups": [rbac], "resources": ["roles"], "verbs": ["bind"]})
        _role(
            "failed-3",
            {"api_groups": [""], "resources": ["users", "groups"], "verbs": ["impersonate"]},
            cluster=True,
        )
        _role("failed-4", {"api_groups": [""], "resources": ["serviceaccounts"], "verbs": ["*"]})
        _role(
            "failed-5",
            {"api_groups": ["certificates.k8s.io"], "resources": ["signers"], "verbs": ["approve"]},
            cluster=True,
        )
        _role(
            "failed-6",
            {
                "api_groups": ["admissionregistration.k8s.io"],
                "resources": ["mutatingwebhookconfigurations"],
                "verbs": ["create"],
            },
            cluster=True,
        )

    judge(KUBERNETES_ROLE_PRIVILEGE_ESCALATION, body)


def test_role_serviceaccount_token() -> None:
    token = {"api_groups": [""], "resources": ["serviceaccounts/token"], "verbs": ["create"]}

    def body() -> None:
        _role("passed-1", {**token, "resource_names": ["orders-api-secret-sync"]})  # the platform's own use
        _role("passed-2", {"api_groups": [""], "resources": ["serviceaccounts"], "verbs": ["get"]})
        _role("failed-1", token)
        _role("failed-2", {**token, "resources": ["*/token"]})
        _role("failed-3", {**token, "verbs": ["*"], "resource_names": ["*"]})

    judge(KUBERNETES_ROLE_SERVICEACCOUNT_TOKEN, body)


def test_clusterrole_aggregation() -> None:
    view = {"rbac.authorization.k8s.io/aggregate-to-view": "true"}

    def body() -> None:
        _role(
            "passed-1",
            {"api_groups": ["example.com"], "resources": ["widgets"], "verbs": ["get"]},
            cluster=True,
            labels=view,
        )
        _role(
            "passed-2",
            cluster=True,
            aggregation_rule={
                "cluster_role_selectors": [{"match_labels": {"example.com/aggregate-to-ops": "true"}}]
            },
        )
        _role("failed-1", READER, cluster=True, labels=view)
        _role(
            "failed-2",
            {"api_groups": [""], "resources": ["pods/exec"], "verbs": ["create"]},
            cluster=True,
            labels={"rbac.authorization.k8s.io/aggregate-to-edit": "true"},
        )
        _role(
            "failed-3",
            cluster=True,
            aggregation_rule={
                "cluster_role_selectors": [
                    {"match_labels": {"rbac.authorization.k8s.io/aggregate-to-admin": "true"}}
                ]
            },
        )
        _role("failed-4", cluster=True, aggregation_rule={"cluster_role_selectors": [{}]})
        _role(
            "failed-5",
            cluster=True,
            aggregation_rule={
                "cluster_role_selectors": [{"match_expressions": [{"key": "team", "operator": "Exists"}]}]
            },
        )

    judge(KUBERNETES_CLUSTERROLE_AGGREGATION, body)


def test_roles_declared_in_a_config_group_are_judged_too() -> None:
    exec_role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "debug", "namespace": "payments"},
        "rules": [{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}],
    }
    as_yaml = (
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: debug, namespace: payments}\n"
        "rules:\n- apiGroups: ['']\n  resources: [pods/exec]\n  verbs: [get]\n"
    )

    def body() -> None:
        k8s.yaml.v2.ConfigGroup("passed-1", objs=[{**exec_role, "rules": [READER | {"apiGroups": [""]}]}])
        k8s.yaml.v2.ConfigGroup("failed-1", objs=[exec_role])
        k8s.yaml.v2.ConfigGroup(
            "failed-2", yaml=f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\n---\n{as_yaml}"
        )
        k8s.yaml.v2.ConfigGroup("failed-3", objs=[{"apiVersion": "v1", "kind": "List", "items": [exec_role]}])

    found = judge(KUBERNETES_ROLE_POD_EXEC, body)
    assert found["failed-1"][0].startswith("objs[0]: rules[0]"), found["failed-1"]
    assert found["failed-2"][0].startswith("yaml document 2: "), found["failed-2"]
