"""Passes: a workload as the platform declares one, next to its Secret and a reader Role by name."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from tests.corpus._safe import deployment_spec, token

EXPECTED: set[str] = set()


def program() -> None:
    k8s.core.v1.Secret(
        "ledger-db",
        metadata={
            "name": "ledger-db-v1",
            "namespace": "payments",
            "annotations": {"secrets-platform/rotation-days": "30"},
        },
        string_data={"password": token()},
    )
    k8s.rbac.v1.Role(
        "ledger-reader",
        metadata={"name": "ledger-reader", "namespace": "payments"},
        rules=[
            {
                "api_groups": [""],
                "resources": ["secrets"],
                "resource_names": ["ledger-db-v1"],
                "verbs": ["get"],
            }
        ],
    )
    k8s.rbac.v1.RoleBinding(
        "ledger-reader",
        metadata={"name": "ledger-reader", "namespace": "payments"},
        role_ref={"api_group": "rbac.authorization.k8s.io", "kind": "Role", "name": "ledger-reader"},
        subjects=[{"kind": "ServiceAccount", "name": "ledger", "namespace": "payments"}],
    )
    k8s.apps.v1.Deployment(
        "ledger",
        metadata={"name": "ledger", "namespace": "payments"},
        spec=deployment_spec("ledger", service_account_name="ledger"),
    )
