"""Kubernetes bindings: which roles, which subjects, from where; and writes of pod templates where
Secrets are, judged over the stack."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from policies.least_privilege import (
    KUBERNETES_ROLE_WORKLOAD_WRITE,
    KUBERNETES_ROLEBINDING_BUILTIN_ROLES,
    KUBERNETES_ROLEBINDING_SUBJECT_NAMESPACE,
    KUBERNETES_ROLEBINDING_SUBJECTS,
    KUBERNETES_SECRET_SERVICE_ACCOUNT_TOKEN,
)
from tests.policies.conftest import judge, run, violations

SA = {"kind": "ServiceAccount", "name": "payments-api", "namespace": "payments"}
OPERATORS = {"kind": "Group", "name": "platform-operators", "api_group": "rbac.authorization.k8s.io"}
DEPLOYER = {"api_groups": ["apps"], "resources": ["deployments"], "verbs": ["get", "patch"]}


def _binding(
    name: str,
    role: str,
    subjects: list[dict],
    cluster: bool = False,
    role_kind: str | None = None,
    namespace: str = "payments",
) -> None:
    kind = k8s.rbac.v1.ClusterRoleBinding if cluster else k8s.rbac.v1.RoleBinding
    kind(
        name,
        metadata={"name": name, "namespace": None if cluster else namespace},
        role_ref={
            "api_group": "rbac.authorization.k8s.io",
            "kind": role_kind or ("ClusterRole" if cluster else "Role"),
            "name": role,
        },
        subjects=subjects,
    )


def test_rolebinding_builtin_roles() -> None:
    def body() -> None:
        _binding("passed-1", "payments-api-secret-reader", [SA])
        _binding("passed-2", "view", [SA], cluster=True)
        _binding("passed-3", "admin", [SA], role_kind="Role")  # the stack's own Role named admin
        _binding("failed-1", "cluster-admin", [SA], cluster=True)
        _binding("failed-2", "cluster-admin", [SA], role_kind="ClusterRole")
        _binding("failed-3", "edit", [SA], role_kind="ClusterRole")
        _binding("failed-4", "admin", [SA], role_kind="ClusterRole")
        _binding("failed-5", "system:controller:token-cleaner", [SA], cluster=True)
        _binding("failed-6", "system:node", [SA], cluster=True)

    found = judge(KUBERNETES_ROLEBINDING_BUILTIN_ROLES, body)
    assert "(edit)" in found["failed-3"][0], "the matching pattern of the config is named"


def test_rolebinding_subjects() -> None:
    def body() -> None:
        _binding("passed-1", "reader", [SA])
        _binding("passed-2", "secrets-operator", [OPERATORS])
        _binding(
            "failed-1",
            "reader",
            [{"kind": "User", "name": "alice", "api_group": "rbac.authorization.k8s.io"}],
        )
        _binding("failed-2", "reader", [SA, {**OPERATORS, "name": "developers"}])
        _binding("failed-3", "reader", [{**OPERATORS, "name": "system:authenticated"}], cluster=True)
        _binding("failed-4", "reader", [{**OPERATORS, "name": "system:serviceaccounts:orders"}])

    found = judge(KUBERNETES_ROLEBINDING_SUBJECTS, body, {"allowedOperatorGroups": ["platform-operators"]})
    assert "alice" not in found["failed-1"][0], "the subject's name is not repeated"


def test_rolebinding_subject_namespace() -> None:
    def body() -> None:
        _binding("passed-1", "reader", [SA])
        _binding(
            "passed-2", "reader", [{"kind": "ServiceAccount", "name": "payments-api"}]
        )  # its own namespace
        _binding(
            "passed-3",
            "token",
            [{"kind": "ServiceAccount", "name": "external-secrets", "namespace": "external-secrets"}],
        )
        _binding("passed-4", "reader", [SA], cluster=True)  # judged by its role, not here
        _binding("failed-1", "reader", [{**SA, "namespace": "orders"}])
        _binding("failed-2", "reader", [SA], namespace="orders")
        _binding(
            "failed-3",
            "reader",
            [SA, {"kind": "ServiceAccount", "name": "default", "namespace": "kube-system"}],
        )

    judge(KUBERNETES_ROLEBINDING_SUBJECT_NAMESPACE, body)


def test_secret_service_account_token() -> None:
    def body() -> None:
        k8s.core.v1.Secret("passed-1", metadata={"name": "a", "namespace": "payments"}, type="Opaque")
        k8s.core.v1.Secret(
            "failed-1",
            metadata={
                "name": "payments-api-token",
                "namespace": "payments",
                "annotations": {"kubernetes.io/service-account.name": "payments-api"},
            },
            type="kubernetes.io/service-account-token",
        )
        k8s.core.v1.SecretPatch(
            "failed-2",
            metadata={"name": "b", "namespace": "payments"},
            type="kubernetes.io/service-account-token",
        )

    judge(KUBERNETES_SECRET_SERVICE_ACCOUNT_TOKEN, body)


def _role(name: str, namespace: str, *rules: dict, cluster: bool = False) -> None:
    kind = k8s.rbac.v1.ClusterRole if cluster else k8s.rbac.v1.Role
    kind(name, metadata={"name": name, "namespace": None if cluster else namespace}, rules=list(rules))


def _secret_in(namespace: str) -> None:
    k8s.core.v1.Secret(f"secret-in-{namespace}", metadata={"name": "db", "namespace": namespace})


def test_role_workload_write_where_secrets_are() -> None:
    pods = {"api_groups": [""], "resources": ["pods"], "verbs": ["create"]}
    external = {"api_groups": ["external-secrets.io"], "resources": ["externalsecrets"], "verbs": ["create"]}

    def body() -> None:
        _secret_in("payments")
        k8s.core.v1.ServiceAccount(
            "identity",
            metadata={
                "name": "sync",
                "namespace": "orders",
                "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/sync"},
            },
        )
        _role("passed-1", "tools", pods)  # nothing secret in tools
        _role("passed-2", "payments", DEPLOYER)
        _binding("operators", "passed-2", [OPERATORS])  # the operations team restarts workloads
        _role(
            "passed-3", "payments", {"api_groups": ["apps"], "resources": ["deployments"], "verbs": ["get"]}
        )
        _role("passed-4", "", pods, cluster=True)  # bound nowhere: grants nothing yet
        _role("failed-1", "payments", pods)
        _role("failed-2", "payments", DEPLOYER)
        _binding("deployers", "failed-2", [SA, OPERATORS])
        _role(
            "failed-3", "orders", {"api_groups": ["batch"], "resources": ["*"], "verbs": ["*"]}
        )  # cloud identity
        _role("failed-4", "payments", external)
        _role("failed-5", "", pods, cluster=True)
        _binding("everywhere", "failed-5", [SA], cluster=True)
        _role("failed-6", "", DEPLOYER, cluster=True)
        _binding("in-payments", "failed-6", [SA], role_kind="ClusterRole")

    judge(KUBERNETES_ROLE_WORKLOAD_WRITE, body, {"allowedOperatorGroups": ["platform-operators"]})


def test_a_namespace_without_secrets_may_be_written() -> None:
    def body() -> None:
        _role("r", "tools", {"api_groups": [""], "resources": ["pods"], "verbs": ["create"]})
        _binding("b", "r", [SA], cluster=True, role_kind="Role")

    assert violations(KUBERNETES_ROLE_WORKLOAD_WRITE, run(body)) == {}
    assert set(violations(KUBERNETES_ROLE_WORKLOAD_WRITE, run(lambda: (body(), _secret_in("tools"))))) == {
        "r"
    }
