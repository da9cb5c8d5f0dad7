"""WorkloadDeployment: restricted pods that consume exactly their granted, versioned Secrets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from components.kubernetes.secret import versioned_name
from components.kubernetes.workload import (
    SecretGrant,
    WorkloadDeployment,
    WorkloadDeploymentArgs,
    check_workload_args,
    env_name,
)
from config.models import StackConfig
from offline.plan import Plan, Resource, leaves, make_plan
from offline.runtime import Registration
from tests.components._support import by_name, refused, run, stack_config


def _args(stack: StackConfig, workload: str = "payments-api") -> WorkloadDeploymentArgs:
    """The dev stack's workload with the grants the platform gives it (names from the catalogue)."""
    grants = [
        SecretGrant(
            entry=entry,
            secret_name=versioned_name(entry.name, entry.version),
            namespace=stack.secret_namespace(entry),
        )
        for entry in stack.secrets
        if workload in entry.readers
    ]
    return WorkloadDeploymentArgs(
        workload=stack.workload(workload), service_account_name=workload, secrets=grants
    )


def _deployment(args: WorkloadDeploymentArgs) -> Registration:
    return by_name(run(lambda: WorkloadDeployment("w", args)), "w-deployment")


def _pod(deployment: Registration) -> dict[str, Any]:
    return deployment.inputs["spec"]["template"]["spec"]


def _secret(raw: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in raw["secrets"] if s["name"] == name)


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


def test_volume_secrets_are_a_read_only_projected_volume_of_mode_0400() -> None:
    deployment = _deployment(_args(stack_config()))
    pod = _pod(deployment)
    volume = next(v for v in pod["volumes"] if v["name"] == "secrets")
    assert volume["projected"]["defaultMode"] == 0o400, f"{deployment.urn}: files are owner-read only"
    assert volume["projected"]["sources"] == [
        {
            "secret": {
                "name": "payments-db-v1",
                "items": [{"key": "password", "path": "payments-db/password"}],
                "optional": False,
            }
        },
        {
            "secret": {
                "name": "payments-ca-v1",
                "items": [{"key": "ca.crt", "path": "payments-ca/ca.crt"}],
                "optional": False,
            }
        },
    ], f"{deployment.urn}: the versioned Secrets, by name"
    mount = next(m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "secrets")
    assert mount == {"name": "secrets", "mountPath": "/var/run/secrets/platform", "readOnly": True}, (
        deployment.urn
    )
    assert pod["securityContext"]["fsGroup"] == 65532, (
        f"{deployment.urn}: the non-root user reads via its group"
    )


def test_env_secrets_use_secret_key_ref_and_never_a_literal_value() -> None:
    deployment = _deployment(_args(stack_config()))
    env = _pod(deployment)["containers"][0]["env"]
    assert env == [
        {
            "name": "PAYMENTS_PROVIDER_API_KEY",
            "valueFrom": {
                "secretKeyRef": {"name": "payments-provider-v1", "key": "api-key", "optional": False}
            },
        }
    ], f"{deployment.urn}: only the `mount: env` secret is in the environment"
    assert all("value" not in var for var in env), f"{deployment.urn}: no literal value"


def test_a_workload_with_only_env_secrets_mounts_no_secret_volume() -> None:
    def mutate(raw: dict[str, Any]) -> None:
        for name in ("payments-db", "payments-ca"):
            _secret(raw, name)["mount"] = "env"

    pod = _pod(_deployment(_args(stack_config(mutate))))
    assert [v["name"] for v in pod["volumes"]] == ["tmp"], "w-deployment: no secret volume"
    assert [e["name"] for e in pod["containers"][0]["env"]] == [
        "PAYMENTS_DB_PASSWORD",
        "PAYMENTS_PROVIDER_API_KEY",
        "PAYMENTS_CA_CA_CRT",
    ], "w-deployment"


def test_rotation_changes_the_secret_name_in_the_pod_template_so_pods_roll() -> None:
    def rotate(raw: dict[str, Any]) -> None:
        _secret(raw, "payments-db")["version"] = 2
        _secret(raw, "payments-provider")["version"] = 3

    before = _deployment(_args(stack_config()))
    after = _deployment(_args(stack_config(rotate)))
    assert before.urn == after.urn
    names = {v for path, v in leaves(after.inputs["spec"]["template"]) if path.endswith(".name")}
    assert {"payments-db-v2", "payments-provider-v3"} <= names, (
        f"{after.urn}: the template names the new Secrets"
    )
    assert not {"payments-db-v1", "payments-provider-v1"} & names, f"{after.urn}: and no longer the old ones"


def test_no_annotation_or_hash_stands_in_for_a_value() -> None:
    deployment = _deployment(_args(stack_config()))
    template = deployment.inputs["spec"]["template"]
    assert "annotations" not in template["metadata"], f"{deployment.urn}: no checksum annotation"
    hashes = [  # an image digest is the image's hash, not a secret's: it is the one exception
        (path, v)
        for path, v in leaves(deployment.inputs)
        if isinstance(v, str) and re.search(r"[0-9a-f]{16,}", v) and not path.endswith(".image")
    ]
    assert hashes == [], f"{deployment.urn}: plain fields carry no hash: {hashes}"


def test_pods_run_restricted_with_resources_and_probes() -> None:
    deployment = _deployment(_args(stack_config()))
    pod = _pod(deployment)
    container = pod["containers"][0]
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "runAsUser": 65532,
        "runAsGroup": 65532,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }, f"{deployment.urn}: container securityContext"
    assert pod["securityContext"]["runAsNonRoot"] is True, deployment.urn
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, deployment.urn
    assert container["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "500m", "memory": "256Mi"},
    }, f"{deployment.urn}: requests and limits"
    assert container["readinessProbe"]["tcpSocket"] == {"port": "http"}, deployment.urn
    assert container["livenessProbe"]["tcpSocket"] == {"port": "http"}, deployment.urn
    assert pod["serviceAccountName"] == "payments-api", deployment.urn
    assert pod["automountServiceAccountToken"] is False, f"{deployment.urn}: no API token"
    assert deployment.inputs["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}, (
        f"{deployment.urn}: new pods are up before old ones stop"
    )
    assert not any(d.get("privileged") for d in _walk(pod)), f"{deployment.urn}: nothing privileged"


def test_api_client_mounts_its_token() -> None:
    def mutate(raw: dict[str, Any]) -> None:
        next(w for w in raw["workloads"] if w["name"] == "payments-api")["needsKubernetesApi"] = True

    deployment = _deployment(_args(stack_config(mutate)))
    assert _pod(deployment)["automountServiceAccountToken"] is True, deployment.urn


def test_a_secret_of_another_namespace_is_refused_before_any_resource() -> None:
    stack = stack_config()
    args = _args(stack)
    bff_tls = stack.secret("bff-tls")
    grant = SecretGrant(entry=bff_tls, secret_name="bff-tls-v1", namespace="bff")
    bad = WorkloadDeploymentArgs(
        workload=args.workload, service_account_name="payments-api", secrets=[*args.secrets, grant]
    )
    message, capture = refused(lambda: WorkloadDeployment("w", bad))
    assert "pods cannot read Secrets of another namespace" in message
    assert capture.resources == [], "nothing is declared for refused arguments"


def test_two_keys_that_would_share_an_environment_variable_are_refused() -> None:
    def mutate(raw: dict[str, Any]) -> None:
        raw["secrets"].append(
            {
                "name": "payments-provider-api",
                "source": "generated",
                "keys": ["key"],
                "readers": ["payments-api"],
                "mount": "env",
            }
        )

    assert env_name("payments-provider", "api-key") == env_name("payments-provider-api", "key")
    assert check_workload_args(_args(stack_config(mutate))) == [
        "payments-provider/api-key and payments-provider-api/key would both be the variable "
        "PAYMENTS_PROVIDER_API_KEY in 'payments-api': rename a key or mount one as a volume"
    ]


@pytest.fixture(scope="module")
def dev_plan() -> Plan:
    return make_plan(Path(__file__).resolve().parents[3], "dev")


def _named_secrets(deployment: Resource) -> set[str]:
    template = deployment.inputs["spec"]["template"]
    return {
        v
        for path, v in leaves(template)
        if path.endswith("secretKeyRef.name") or (".sources[" in path and path.endswith("secret.name"))
    }


def test_each_deployment_waits_for_the_secrets_it_names(dev_plan: Plan) -> None:
    """What makes a rotation safe: the new Secret exists before the template names it, and Pulumi
    deletes the replaced Secret only after every resource that depends on it was updated."""
    secrets = {
        r.inputs["metadata"]["name"]: r.urn
        for r in dev_plan.resources
        if r.type == "kubernetes:core/v1:Secret"
    }
    deployments = [
        r
        for r in dev_plan.resources
        if r.type == "kubernetes:apps/v1:Deployment" and "WorkloadDeployment" in r.urn
    ]
    assert {d.inputs["metadata"]["name"] for d in deployments} == {"payments-api", "orders-api"}
    checked = 0
    for deployment in deployments:
        for name in _named_secrets(deployment) & set(secrets):
            assert secrets[name] in deployment.dependencies, f"{deployment.urn} must depend on Secret {name}"
            checked += 1
    assert checked == 3, "payments-api names payments-db, payments-provider and payments-ca"


def test_cloud_secrets_are_named_but_not_declared(dev_plan: Plan) -> None:
    orders = next(r for r in dev_plan.resources if r.name == "secrets-workload-orders-api-deployment")
    assert _named_secrets(orders) == {"orders-queue-v1", "orders-webhook-key-v1"}, (
        f"{orders.urn} mounts the Secrets synced from Secrets Manager and from Vault"
    )
    declared = {
        r.inputs["metadata"]["name"] for r in dev_plan.resources if r.type == "kubernetes:core/v1:Secret"
    }
    assert "orders-queue-v1" not in declared, (
        "the cloud store syncs orders-queue; the platform declares no Secret"
    )
