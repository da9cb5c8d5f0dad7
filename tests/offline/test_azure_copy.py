"""A copy of the dev stack switched to Azure plans and passes the pack: the same config contract on both clouds."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import yaml

from offline.check import (
    PolicyPackProcess,
    check_capture,
    effective_config,
    load_policy_config,
    policy_config_path,
    stack_sources,
)
from offline.plan import capture_stack
from tests.conftest import ROOT, dev_stack

OPERATORS_GROUP_ID = "3c9d1e2f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
"""The operations team's Entra ID group (prod's)."""


def dev_on_azure() -> dict[str, Any]:
    """Dev's catalogue, workloads, CMS, BFF and Vault on Azure, as an Azure user would write them."""
    doc = copy.deepcopy(dev_stack())
    config = doc["config"]
    del config["aws:region"], config["secrets-platform:aws"]
    config["azure-native:location"] = "westeurope"
    config["secrets-platform:cloud"] = "azure"
    config["secrets-platform:azure"] = {
        "tenantId": "8f1c2a4e-1b2c-4d5e-8f90-1a2b3c4d5e6f",
        "resourceGroupName": "rg-secrets-dev",
        "keyVaultName": "kv-secrets-dev-weu",
        "operatorGroupObjectId": OPERATORS_GROUP_ID,
        # The CMS database's Entra administrator is the operators' group, named by its display name.
        "operatorGroupName": "platform-operators",
        "keyVaultAllowedCidrs": ["203.0.113.0/24"],
        "networkCidr": "10.241.0.0/16",
    }
    config["secrets-platform:operators"] = {"group": OPERATORS_GROUP_ID}
    # AWS-only: WAFv2 fronts the ALB on AWS; on Azure the BFF's edge is ingress-nginx's rate limit and
    # allow-list alone (config refuses `edge.waf` there).
    del config["secrets-platform:edge"]["waf"]
    if not config["secrets-platform:edge"]:
        del config["secrets-platform:edge"]
    # On Azure the platform draws the CMS database's password (a catalogue secret) where RDS has Secrets
    # Manager manage it, and the CMS trusts Azure's public roots instead of the RDS regional bundle.
    cms = config["secrets-platform:cms"]
    del cms["databaseCaFile"]
    cms["databaseSecret"] = "cms-database"
    config["secrets-platform:secrets"].append(
        {
            "name": "cms-database",
            "description": "Password of the CMS's login on its Flexible Server",
            "source": "generated",
            "keys": ["password"],
            "length": 40,
            "namespace": "cms",
            "rotationDays": 30,
        }
    )
    return doc


def test_a_dev_copy_on_azure_plans_and_passes_the_pack(tmp_path: Path) -> None:
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    for folder in ("certs", "charts", "functions"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "Pulumi.azdev.yaml").write_text(yaml.safe_dump(dev_on_azure()), encoding="utf-8")
    stack_input, capture, _ = capture_stack(tmp_path, "azdev")
    types = {r.type for r in capture.resources}
    # The dev catalogue's `source: cloud` secret (orders-queue) now lives in Key Vault.
    assert "azure-native:keyvault:Secret" in types and "aws:secretsmanager/secret:Secret" not in types
    assert not any(t.startswith("aws:") for t in types)
    names = {r.name for r in capture.resources}
    assert "secrets-store-synced-orders-queue-external-secret" in names
    # The CMS runs on Azure, on a Flexible Server in the stack's own VNet, and the Vault audit's alerts
    # go to the Azure audit's workspace and action group.
    assert {"secrets-cms-deployment", "secrets-cms-database-server", "secrets-azure-subnet-database"} <= names
    assert {"secrets-vault-store-audit-table", "secrets-vault-store-audit-vault-denied-access-alert"} <= names
    # Dev's policy config, with the operators named as on AKS: Kubernetes RBAC under Entra ID matches
    # groups by object id (as prod.json allows), where dev.json names dev's EKS group.
    policy = load_policy_config(policy_config_path("dev"))
    for name in ("kubernetes-rolebinding-subjects", "kubernetes-role-workload-write"):
        policy[name] = {**policy.get(name, {}), "allowedOperatorGroups": [OPERATORS_GROUP_ID]}
    with PolicyPackProcess(project="secrets-platform", stack="azdev") as pack:
        config = effective_config(pack.policies(), policy, "dev.json")
        # The file secret's content is a secret source, as `check` knows it from the stack's config.
        sources = stack_sources(tmp_path, stack_input, capture)
        violations = check_capture(pack, capture, config, sources=sources)
    mandatory = [(v.policy, v.urn) for v in violations if v.level == "mandatory"]
    assert mandatory == [], mandatory
