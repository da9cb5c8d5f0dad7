"""SecretOperator: operators manage the Secrets of a namespace and roll its Deployments, nothing more."""

from __future__ import annotations

from pathlib import Path

from components.kubernetes.secret_operator import SecretOperator, SecretOperatorArgs, check_operator_args
from offline.runtime import Capture
from tests.components._support import by_name, run

ROOT = Path(__file__).resolve().parents[3]
RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"


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
