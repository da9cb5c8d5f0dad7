"""A stack with Vault secrets plans and passes the pack on AWS and on Azure, its External Secrets
objects validate against ESO's CRD schemas, and the Vault side is wired as the design says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from offline.check import run_check
from offline.plan import Plan, Resource
from tests.components._support import validate_custom_resources
from tests.conftest import ROOT

VAULT_DELIVERY = "secrets-platform:vault_secret_delivery:VaultSecretDelivery"


def _of(plan: Plan, typ: str) -> list[Resource]:
    return [r for r in plan.resources if r.type == typ]


def _manifest(resource: Resource) -> dict[str, Any]:
    return {k: v for k, v in resource.inputs.items() if k in ("apiVersion", "kind", "metadata", "spec")}


@pytest.mark.parametrize(
    ("project_fixture", "policy_config"),
    [("aws_vault_project", "dev"), ("azure_vault_project", "prod")],
    ids=["aws", "azure"],
)
def test_a_stack_with_vault_secrets_passes_the_pack(
    request: pytest.FixtureRequest, project_fixture: str, policy_config: str
) -> None:
    """The dev stack (AWS) and the prod stack (Azure), each with Vault secrets, under their own policy config."""
    project: Path = request.getfixturevalue(project_fixture)
    result = run_check(project, "t", config_path=ROOT / "policies" / "config" / f"{policy_config}.json")
    assert result.mandatory == [], [(v.policy, v.urn) for v in result.mandatory]
    assert not [v for v in result.violations if v.policy.startswith("vault-")]
    assert any(r.startswith("vault-") for r in result.policies), "the pack's Vault policies ran"


@pytest.mark.parametrize("plan_fixture", ["aws_vault_plan", "azure_vault_plan"], ids=["aws", "azure"])
def test_vault_objects_of_the_plan_and_their_external_secrets_validate(
    request: pytest.FixtureRequest, plan_fixture: str
) -> None:
    plan: Plan = request.getfixturevalue(plan_fixture)
    stores = [
        r
        for r in _of(plan, "kubernetes:external-secrets.io/v1:SecretStore")
        if "vault" in r.inputs["spec"]["provider"]
    ]
    assert {s.inputs["metadata"]["name"] for s in stores} == {"orders-api-vault", "payments-api-vault"}
    synced = [
        r
        for r in _of(plan, "kubernetes:external-secrets.io/v1:ExternalSecret")
        if r.inputs["spec"].get("secretStoreRef", {}).get("name")
        in {s.inputs["metadata"]["name"] for s in stores}
    ]
    assert {r.inputs["metadata"]["name"] for r in synced} == {
        "orders-webhook-key-v1",
        "orders-partner-api-v1",
        "payments-acquirer-token-v1",
    }
    dynamic = [
        r
        for r in _of(plan, "kubernetes:external-secrets.io/v1:ExternalSecret")
        if "dataFrom" in r.inputs["spec"]
    ]
    generators = _of(plan, "kubernetes:generators.external-secrets.io/v1alpha1:VaultDynamicSecret")
    assert [r.inputs["metadata"]["name"] for r in dynamic] == ["orders-db-credentials-v1"]
    assert [g.inputs["spec"]["path"] for g in generators] == [
        "secrets-platform-database/creds/secrets-dev-orders-db-credentials"
        if plan_fixture == "aws_vault_plan"
        else "secrets-platform-database/creds/secrets-prod-orders-db-credentials"
    ]
    assert dynamic[0].inputs["spec"]["refreshInterval"] == "30m", "half the credentials' hour"
    broken = _manifest(stores[0])
    broken["spec"] = {"provider": {"vault": {"auth": {"jwt": {"role": "x"}}}}}  # no server
    results = validate_custom_resources(
        [_manifest(r) for r in [*stores, *synced, *dynamic, *generators]] + [broken]
    )
    assert [r["message"] for r in results[:-1]] == [None] * (len(results) - 1)
    assert results[-1]["valid"] is False and "server" in results[-1]["message"], results[-1]


def test_the_azure_issuer_is_kept_as_aks_spells_it(azure_vault_plan: Plan) -> None:
    (auth,) = _of(azure_vault_plan, "vault:jwt/authBackend:AuthBackend")
    issuer = auth.inputs["boundIssuer"]
    assert issuer.startswith("https://westeurope.oic.prod-aks.azure.com/") and issuer.endswith("/")
    assert auth.inputs["oidcDiscoveryUrl"] == issuer


def test_the_aws_issuer_gets_its_scheme_back(aws_vault_plan: Plan) -> None:
    (auth,) = _of(aws_vault_plan, "vault:jwt/authBackend:AuthBackend")
    assert auth.inputs["boundIssuer"].startswith("https://oidc.eks.eu-west-1.amazonaws.com/id/")


@pytest.mark.parametrize("plan_fixture", ["aws_vault_plan", "azure_vault_plan"], ids=["aws", "azure"])
def test_one_operator_serves_both_stores_and_reloader_watches_their_namespaces(
    request: pytest.FixtureRequest, plan_fixture: str
) -> None:
    plan: Plan = request.getfixturevalue(plan_fixture)
    releases = [
        r
        for r in _of(plan, "kubernetes:helm.sh/v3:Release")
        if r.inputs["chart"] in ("external-secrets", "reloader")
    ]
    assert sorted(r.inputs["chart"] for r in releases) == ["external-secrets", "reloader"], (
        "one of each per cluster"
    )
    reloader = next(r for r in releases if r.inputs["chart"] == "reloader")
    # The CMS rolls when cert-manager renews its certificate (and, on AWS, when RDS rotates its master
    # password), so its namespace is watched too.
    expected = ["cms", "orders", "payments"]
    assert sorted(reloader.inputs["values"]["reloader"]["namespaces"]) == expected


@pytest.mark.parametrize("plan_fixture", ["aws_vault_plan", "azure_vault_plan"], ids=["aws", "azure"])
def test_every_vault_resource_uses_the_explicit_provider_and_no_token_is_in_the_plan(
    request: pytest.FixtureRequest, plan_fixture: str
) -> None:
    plan: Plan = request.getfixturevalue(plan_fixture)
    (provider,) = _of(plan, "pulumi:providers:vault")
    assert provider.inputs["address"] == "https://vault.example.com"
    assert "token" not in provider.inputs and provider.inputs["skipTlsVerify"] == "false"
    for resource in plan.resources:
        if resource.type.startswith("vault:"):
            assert resource.provider.startswith(provider.urn), f"{resource.urn} uses another provider"


def test_deployments_consume_the_vault_synced_secrets(aws_vault_plan: Plan) -> None:
    deployments = {
        r.inputs["metadata"]["name"]: r for r in _of(aws_vault_plan, "kubernetes:apps/v1:Deployment")
    }
    text = str(deployments["orders-api"].inputs["spec"])
    assert "orders-webhook-key-v1" in text and "orders-partner-api-v1" in text
    assert "payments-acquirer-token-v1" in str(deployments["payments-api"].inputs["spec"])
