"""Fixtures of the Vault tests: stacks with Vault secrets on each cloud, their offline plans, and a real
OpenBao server (one per pytest process) the plan's Vault resources are applied to."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline.plan import Plan, capture_stack, make_plan
from offline.runtime import Capture
from tests.components.vault._openbao import OpenBao, openbao_server
from tests.conftest import ROOT, dev_stack

NS = "secrets-platform:"

VAULT_BLOCK = {
    "address": "https://vault.example.com",
    "tokenTtlSeconds": 600,
    "maxVersions": 3,
    "versionGraceDays": 7,
    "audit": {"type": "file", "filePath": "/vault/audit/secrets-platform.log"},
    "databases": [
        {
            "name": "orders-db",
            "connectionUrl": "postgresql://{{username}}:{{password}}@orders-db.internal:5432/orders?sslmode=verify-full",
            "username": "vault_admin",
            "passwordKey": "ordersDbVaultPassword",
            "grantRole": "orders_app",
            "defaultTtlSeconds": 3600,
            "maxTtlSeconds": 86400,
        }
    ],
}

EXTRA_VAULT_SECRETS = [
    {
        "name": "orders-partner-api",
        "description": "Credentials of the orders partner API, generated into Vault",
        "source": "cloud",
        "store": "hashicorp-vault",
        "keys": ["username", "api-key"],
        "readers": ["orders-api"],
        "rotationDays": 60,
    },
    {
        "name": "orders-db-credentials",
        "description": "PostgreSQL user of orders-api, issued by Vault's database engine",
        "source": "cloud",
        "store": "hashicorp-vault",
        "database": "orders-db",
        "keys": ["username", "password"],
        "readers": ["orders-api"],
        "rotationDays": 1,
    },
    {
        "name": "payments-acquirer-token",
        "description": "Token the acquirer issues; operators write it into Vault",
        "source": "cloud",
        "store": "hashicorp-vault",
        "generate": False,
        "keys": ["token"],
        "readers": ["payments-api"],
        "rotationDays": 90,
    },
]


def stack_with_vault(base: str) -> dict[str, Any]:
    """The shipped stack `base` (dev: AWS, prod: Azure) with a `vault:` block and Vault secrets of
    two workloads: generated and operator-written KV values."""
    doc = (
        copy.deepcopy(dev_stack())
        if base == "dev"
        else yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    )
    config = doc["config"]
    config[NS + "vault"] = copy.deepcopy(VAULT_BLOCK)
    catalogue = config[NS + "secrets"]
    names = {s["name"] for s in catalogue}
    if "orders-webhook-key" not in names:
        catalogue.append(
            {
                "name": "orders-webhook-key",
                "source": "cloud",
                "store": "hashicorp-vault",
                "keys": ["signing-key"],
                "readers": ["orders-api"],
                "rotationDays": 30,
            }
        )
    catalogue.extend(copy.deepcopy(EXTRA_VAULT_SECRETS))
    # The admin password of the database connection: a secret config key, as `pulumi config set --secret`
    # writes it (the offline plan never decrypts it; it stands in as a placeholder).
    config[NS + "ordersDbVaultPassword"] = {"secure": "v1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAAAA"}
    return doc


def write_project(directory: Path, doc: dict[str, Any], stack: str = "t") -> Path:
    """A scratch copy of the project with `doc` as `Pulumi.<stack>.yaml` (the prod stack file is copied
    with its encryption settings, which the offline plan never uses to decrypt)."""
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, directory / name)
    for folder in ("certs", "charts", "functions"):
        if not (directory / folder).exists():
            shutil.copytree(ROOT / folder, directory / folder)
    (directory / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    return directory


@pytest.fixture(scope="session")
def aws_vault_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("aws-vault"), stack_with_vault("dev"))


@pytest.fixture(scope="session")
def azure_vault_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("azure-vault"), stack_with_vault("prod"))


@pytest.fixture(scope="session")
def aws_vault_plan(aws_vault_project: Path) -> Plan:
    return make_plan(aws_vault_project, "t")


@pytest.fixture(scope="session")
def aws_vault_capture(aws_vault_project: Path) -> Capture:
    """The registrations of the AWS stack's plan, secret inputs included (the generated canaries)."""
    return capture_stack(aws_vault_project, "t")[1]


@pytest.fixture(scope="session")
def azure_vault_plan(azure_vault_project: Path) -> Plan:
    return make_plan(azure_vault_project, "t")


@pytest.fixture(scope="session")
def azure_vault_capture(azure_vault_project: Path) -> Capture:
    """The registrations of the Azure stack's plan."""
    return capture_stack(azure_vault_project, "t")[1]


@pytest.fixture(scope="module")
def openbao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBao]:
    """A real OpenBao dev server for one test module (so each module starts from an empty Vault),
    on its own loopback port, stopped when the module ends."""
    yield from openbao_server(tmp_path_factory.mktemp("openbao"))
