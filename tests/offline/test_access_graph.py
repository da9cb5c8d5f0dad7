"""The store side of the access graph, read from the shipped stacks' plans: IAM roles and who assumes
them (dev, AWS), Key Vault role assignments and the identity behind each (prod, Azure), Vault roles."""

from __future__ import annotations

import pytest

from offline.catalogue import load_catalogue
from offline.plan import Plan, make_plan
from offline.report.data import access_graph
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {stack: make_plan(ROOT, stack) for stack in ("dev", "prod")}


def _store_rows(plans: dict[str, Plan], stack: str) -> set[tuple]:
    rows = access_graph(load_catalogue(ROOT, stack), plans[stack])
    return {
        (r["catalogue"] or r["secret"], r["layer"], r["readerKind"], r["reader"], r["through"])
        for r in rows
        if r["layer"] != "kubernetes"
    }


def test_aws_roles_are_traced_to_the_service_account_or_service_that_assumes_them(
    plans: dict[str, Plan],
) -> None:
    rows = _store_rows(plans, "dev")
    assert ("orders-queue", "secrets-manager", "workload", "orders/orders-api-secret-sync",
            "IAM role secrets-store-identity-orders-api-role (role policy secrets-store-identity-orders-api-read-secrets)") in rows  # fmt: skip
    assert ("orders-queue", "secrets-manager", "service", "lambda.amazonaws.com",
            "IAM role secrets-store-store-rotation-role (inline policy rotate-secrets)") in rows  # fmt: skip
    assert ("orders-webhook-key", "hashicorp-vault", "workload", "orders/orders-api-vault-sync",
            "Vault role secrets-dev-orders-api-vault-sync (policy secrets-dev-orders-api-vault-sync)") in rows  # fmt: skip
    assert any(r[0].startswith("secrets-manager/rds!db-") and r[3] == "cms/cms-secret-sync" for r in rows), (
        "the RDS-managed password, outside the catalogue, is shown under its own name"
    )


def test_key_vault_assignments_name_the_federated_workload_or_the_group(plans: dict[str, Plan]) -> None:
    rows = _store_rows(plans, "prod")
    assert rows >= {
        ("orders-queue", "key-vault", "workload", "orders/orders-api-secret-sync",
         "Key Vault Secrets User role assignment secrets-store-identity-orders-api-read-orders-queue"),
        ("orders-queue", "key-vault", "identity", "identity id-secrets-prod-secret-rotation",
         "Key Vault Secrets Officer role assignment secrets-store-store-rotation-access-secrets-prod-orders-queue"),
        ("key-vault/kv-secrets-prod-weu/*", "key-vault", "group", "platform-operators",
         "Key Vault Administrator role assignment secrets-azure-operators-vault-admin"),
    }  # fmt: skip
    assert not any(r[1] == "secrets-manager" for r in rows)
