"""The External Secrets Operator, its stores and synced Secrets, under the offline engine.

The happy path wires the components as the platform does on AWS, for the dev stack plus one more
cloud secret in another namespace: the operator, then per workload a sync identity and its store,
then per cloud secret an ExternalSecret. Custom resources are validated against ESO's CRD schemas
with the pinned npm validators of `tests/crd` (one `node` run for the whole module); everything else
against Kubernetes 1.31's OpenAPI schema, strictly.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import kubernetes_validate
import kubernetes_validate.utils as kv_utils
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pytest

from components.aws.secret_store import secret_store_provider
from components.aws.workload_identity import SecretSyncIdentity, SecretSyncIdentityArgs
from components.kubernetes.external_secrets.operator import (
    ESO_CHART,
    RELOADER_CHART,
    ExternalSecretsOperator,
    ExternalSecretsOperatorArgs,
    check_operator_args,
)
from components.kubernetes.external_secrets.secret_store import (
    SyncSecretStore,
    SyncSecretStoreArgs,
    check_store_args,
)
from components.kubernetes.external_secrets.sync import (
    RELOAD_ANNOTATION,
    go_duration,
    refresh_interval,
    reloader_annotations,
    sync_plan,
)
from components.kubernetes.external_secrets.synced_secret import (
    SyncedSecret,
    SyncedSecretArgs,
    check_synced_args,
)
from config.models import CloudSecret, StackConfig
from offline.mocks import ACCOUNT
from offline.plan import find_dropped, find_leaks
from offline.runtime import Capture, Registration
from policies import ALL_POLICIES
from tests.components._support import by_name, of_type, refused, run, stack_config, validate_custom_resources
from tests.policies.conftest import violations

ROOT = Path(__file__).resolve().parents[3]
CRD_DIR = ROOT / "tests" / "crd"
REGION = "eu-west-1"
ISSUER = f"oidc.eks.{REGION}.amazonaws.com/id/5E1B0C0A2D3F4E5A6B7C8D9E0F1A2B3C"
KUBERNETES_VERSION = "1.31.0"

RELEASE = "kubernetes:helm.sh/v3:Release"
SECRET_STORE = "kubernetes:external-secrets.io/v1:SecretStore"
EXTERNAL_SECRET = "kubernetes:external-secrets.io/v1:ExternalSecret"
CUSTOM_RESOURCE_TYPES = {SECRET_STORE, EXTERNAL_SECRET}

PAYMENTS_GATEWAY = {
    "name": "payments-gateway",
    "description": "Card gateway credentials, kept in Secrets Manager",
    "source": "cloud",
    "keys": ["client-id", "client-secret"],
    "readers": ["payments-api"],
    "version": 3,
    "rotationDays": 7,
}


def _with_payments_gateway(raw: dict[str, Any]) -> None:
    raw["secrets"] = [*raw["secrets"], PAYMENTS_GATEWAY]


def happy_stack() -> StackConfig:
    """The dev stack (orders-queue, read by orders-api) plus payments-gateway, read by payments-api."""
    return stack_config(_with_payments_gateway)


def declare(stack: StackConfig) -> None:
    """What the platform declares on AWS for the stack's cloud secrets (the wiring the report gives)."""
    key = aws.kms.Key("store-key", enable_key_rotation=True)
    provider = aws.iam.OpenIdConnectProvider(
        "oidc", url=f"https://{ISSUER}", client_id_lists=["sts.amazonaws.com"]
    )
    plan = sync_plan(stack)
    namespaces = {
        ns: k8s.core.v1.Namespace(f"ns-{ns}", metadata={"name": ns})
        for ns in sorted({stack.workload(w).namespace_name for w in plan})
    }
    operator = ExternalSecretsOperator(
        "eso",
        ExternalSecretsOperatorArgs(
            kubernetes_version=stack.cluster.kubernetes_version,
            reload_namespaces=[ns.metadata.name for ns in namespaces.values()],
        ),
    )
    for workload_name, entries in plan.items():
        workload = stack.workload(workload_name)
        remote = {e.name: aws.secretsmanager.Secret(e.name, name=e.name, kms_key_id=key.arn) for e in entries}
        identity = SecretSyncIdentity(
            f"{workload_name}-sync",
            SecretSyncIdentityArgs(
                workload=workload,
                secret_arns={name: secret.arn for name, secret in remote.items()},
                oidc_provider_arn=provider.arn,
                oidc_issuer=ISSUER,
                store_key_arn=key.arn,
                region=REGION,
                namespace=namespaces[workload.namespace_name].metadata.name,
            ),
        )
        store = SyncSecretStore(
            f"{workload_name}-store",
            SyncSecretStoreArgs(
                workload=workload_name,
                namespace=identity.namespace,
                service_account=identity.service_account_name,
                provider=secret_store_provider(REGION, identity.service_account_name),
                store_suffix="secrets-manager",
                operator=operator,
            ),
        )
        for entry in entries:
            SyncedSecret(
                f"{entry.name}-sync",
                SyncedSecretArgs(
                    entry=entry,
                    namespace=store.namespace,
                    store_name=store.store_name,
                    remote_key=remote[entry.name].arn,
                    operator=operator,
                ),
            )


@pytest.fixture(scope="module")
def capture() -> Capture:
    return run(lambda: declare(happy_stack()))


def _one(capture: Capture, typ: str, name: str) -> Registration:
    registration = by_name(capture, name)
    assert registration.type == typ, f"{registration.urn} is a {registration.type}, expected {typ}"
    return registration


def _manifest(registration: Registration) -> dict[str, Any]:
    """A custom resource as the provider would send it: its inputs are the manifest."""
    return copy.deepcopy(registration.inputs)


_GO_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_go_duration(text: str) -> timedelta:
    match = _GO_DURATION.match(text)
    assert match and text, f"{text!r} is not a Go duration of hours, minutes and seconds"
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


# --- CRD validation: one node run for the module ------------------------------------------------------


def _broken(capture: Capture) -> dict[str, dict[str, Any]]:
    """The happy path's objects with one deliberate mistake each, named after it."""
    external_secret = _manifest(_one(capture, EXTERNAL_SECRET, "orders-queue-sync-external-secret"))
    store = _manifest(_one(capture, SECRET_STORE, "orders-api-store-store"))
    missing_remote_ref = copy.deepcopy(external_secret)
    del missing_remote_ref["spec"]["data"][0]["remoteRef"]
    cluster_store_kind = copy.deepcopy(external_secret)
    cluster_store_kind["spec"]["secretStoreRef"]["kind"] = "ClusterStore"
    wrong_service = copy.deepcopy(store)
    wrong_service["spec"]["provider"]["aws"]["service"] = "SecretManager"
    return {
        "missing-remote-ref": missing_remote_ref,
        "cluster-store-kind": cluster_store_kind,
        "wrong-service": wrong_service,
    }


@pytest.fixture(scope="module")
def crd_results(capture: Capture) -> dict[str, dict[str, Any]]:
    """Validator result per declared custom resource (by URN) and per broken variant (by its name)."""
    declared = [r for r in capture.resources if r.type in CUSTOM_RESOURCE_TYPES]
    broken = _broken(capture)
    results = validate_custom_resources([_manifest(r) for r in declared] + list(broken.values()))
    keys = [r.urn for r in declared] + list(broken)
    return dict(zip(keys, results, strict=True))


def test_every_declared_store_and_external_secret_passes_the_crd_validator(
    capture: Capture, crd_results: dict[str, dict[str, Any]]
) -> None:
    declared = [r for r in capture.resources if r.type in CUSTOM_RESOURCE_TYPES]
    assert len(of_type(capture, SECRET_STORE)) == 2 and len(of_type(capture, EXTERNAL_SECRET)) == 2
    for registration in declared:
        result = crd_results[registration.urn]
        assert result["valid"], f"{registration.urn}: {result['message']}"


def test_an_external_secret_without_remote_ref_fails_with_the_validators_message(
    crd_results: dict[str, dict[str, Any]],
) -> None:
    result = crd_results["missing-remote-ref"]
    assert not result["valid"]
    assert "spec/data/0 must have required property remoteRef" in result["message"]
    assert [e["path"] for e in result["errors"]] == ["/spec/data/0"]


def test_a_store_kind_outside_the_enum_fails_with_the_validators_message(
    crd_results: dict[str, dict[str, Any]],
) -> None:
    result = crd_results["cluster-store-kind"]
    assert "spec/secretStoreRef/kind must be equal to one of the allowed values" in result["message"]
    [error] = result["errors"]
    assert error["params"]["allowedValues"] == ["SecretStore", "ClusterSecretStore"]


def test_a_store_with_an_unknown_aws_service_fails_with_the_validators_message(
    crd_results: dict[str, dict[str, Any]],
) -> None:
    result = crd_results["wrong-service"]
    assert "spec/provider/aws/service must be equal to one of the allowed values" in result["message"]
    assert result["errors"][0]["params"]["allowedValues"] == ["SecretsManager", "ParameterStore"]


# --- the operator ---------------------------------------------------------------------------------------


def _release(capture: Capture, name: str) -> Registration:
    return _one(capture, RELEASE, name)


def test_releases_are_pinned_to_exact_versions(capture: Capture) -> None:
    assert {r.name for r in of_type(capture, RELEASE)} == {"eso-eso", "eso-reloader"}
    for name, pin, release_name in (
        ("eso-eso", ESO_CHART, "external-secrets"),
        ("eso-reloader", RELOADER_CHART, "reloader"),
    ):
        inputs = _release(capture, name).inputs
        assert inputs["chart"] == pin.chart and inputs["version"] == pin.version, name
        assert re.fullmatch(r"\d+\.\d+\.\d+", inputs["version"]), f"{name}: an exact version, not a range"
        assert inputs["repositoryOpts"] == {"repo": pin.repository}, name
        assert inputs["name"] == release_name and inputs["namespace"] == "external-secrets", name
        assert inputs["atomic"] is True and inputs["cleanupOnFail"] is True, name
    assert (ESO_CHART.repository, ESO_CHART.chart, ESO_CHART.version) == (
        "https://charts.external-secrets.io",
        "external-secrets",
        "2.9.0",
    )
    assert (RELOADER_CHART.repository, RELOADER_CHART.chart, RELOADER_CHART.version) == (
        "https://stakater.github.io/stakater-charts",
        "reloader",
        "2.2.16",
    )


def test_eso_installs_its_crds_without_cluster_kinds_or_cluster_wide_tokens(capture: Capture) -> None:
    values = _release(capture, "eso-eso").inputs["values"]
    assert values["installCRDs"] is True
    assert values["serviceMonitor"] == {"enabled": False}
    assert values["crds"]["createClusterSecretStore"] is False
    assert values["processClusterStore"] is False and values["processClusterExternalSecret"] is False
    assert values["processPushSecret"] is False and values["processClusterPushSecret"] is False
    assert values["rbac"] == {"serviceAccountTokenCreate": False}
    for component in (values, values["webhook"], values["certController"]):
        assert set(component["resources"]) == {"requests", "limits"}
        assert component["securityContext"]["allowPrivilegeEscalation"] is False


def test_reloader_watches_only_the_namespaces_of_synced_secrets(capture: Capture) -> None:
    release = _release(capture, "eso-reloader")
    reloader = release.inputs["values"]["reloader"]
    assert reloader["watchGlobally"] is False
    assert reloader["namespaces"] == ["orders", "payments"]
    assert reloader["ignoreConfigMaps"] is True and reloader["autoReloadAll"] is False
    assert reloader["reloadStrategy"] == "annotations"
    for ns in ("ns-orders", "ns-payments"):
        assert by_name(capture, ns).urn in release.dependencies, f"{release.urn} must wait for {ns}"


def test_no_reloader_without_a_namespace_to_watch() -> None:
    capture = run(
        lambda: ExternalSecretsOperator("eso", ExternalSecretsOperatorArgs(kubernetes_version="1.31"))
    )
    assert [r.name for r in of_type(capture, RELEASE)] == ["eso-eso"]


def test_the_operator_namespace_is_restricted(capture: Capture) -> None:
    namespace = _one(capture, "kubernetes:core/v1:Namespace", "eso-ns-namespace")
    labels = namespace.inputs["metadata"]["labels"]
    assert namespace.inputs["metadata"]["name"] == "external-secrets"
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted", namespace.urn
        assert labels[f"pod-security.kubernetes.io/{mode}-version"] == "v1.31", namespace.urn


def _policies(capture: Capture, namespace: str) -> dict[str, dict[str, Any]]:
    return {
        r.inputs["metadata"]["name"]: r.inputs["spec"]
        for r in of_type(capture, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
        if r.inputs["metadata"]["namespace"] == namespace
    }


def test_the_operator_namespace_denies_by_default_and_allows_dns_https_and_the_webhook(
    capture: Capture,
) -> None:
    policies = _policies(capture, "external-secrets")
    assert set(policies) == {"default-deny", "allow-dns", "allow-https-egress", "allow-webhook-ingress"}
    assert policies["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert policies["allow-https-egress"] == {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]}],
    }
    assert policies["allow-webhook-ingress"] == {
        "podSelector": {
            "matchLabels": {
                "app.kubernetes.io/name": "external-secrets-webhook",
                "app.kubernetes.io/instance": "external-secrets",
            }
        },
        "policyTypes": ["Ingress"],
        "ingress": [{"ports": [{"protocol": "TCP", "port": 10250}]}],
    }


def test_releases_start_only_once_their_pods_may_reach_the_api(capture: Capture) -> None:
    for name in ("eso-eso", "eso-reloader"):
        release = _release(capture, name)
        for policy in ("eso-allow-https-egress", "eso-allow-webhook-ingress"):
            assert by_name(capture, policy).urn in release.dependencies, f"{release.urn} waits for {policy}"


def test_https_egress_can_be_narrowed_to_the_vpc() -> None:
    args = ExternalSecretsOperatorArgs(kubernetes_version="1.31", https_egress_cidrs=("10.0.0.0/16",))
    spec = by_name(run(lambda: ExternalSecretsOperator("eso", args)), "eso-allow-https-egress").inputs["spec"]
    assert spec["egress"][0]["to"] == [{"ipBlock": {"cidr": "10.0.0.0/16"}}]


# --- stores: namespaced, one per workload identity ---------------------------------------------------------


def test_no_cluster_wide_kind_is_declared(capture: Capture) -> None:
    assert not [r.urn for r in capture.resources if "Cluster" in r.type and "external-secrets.io" in r.type]
    assert {r.inputs["kind"] for r in capture.resources if r.type in CUSTOM_RESOURCE_TYPES} == {
        "SecretStore",
        "ExternalSecret",
    }


def test_one_namespaced_store_per_identity_using_its_sync_service_account(capture: Capture) -> None:
    stores = {
        (r.inputs["metadata"]["namespace"], r.inputs["metadata"]["name"]): r.inputs["spec"]
        for r in of_type(capture, SECRET_STORE)
    }
    assert set(stores) == {
        ("orders", "orders-api-secrets-manager"),
        ("payments", "payments-api-secrets-manager"),
    }
    namespaces = [namespace for namespace, _ in stores]
    assert len(set(namespaces)) == len(namespaces), "one store per namespace here (one identity each)"
    for (namespace, name), spec in stores.items():
        workload = name.removesuffix("-secrets-manager")
        assert spec == {
            "provider": {
                "aws": {
                    "service": "SecretsManager",
                    "region": REGION,
                    "auth": {"jwt": {"serviceAccountRef": {"name": f"{workload}-secret-sync"}}},
                }
            }
        }, f"store {namespace}/{name}"


def test_store_waits_for_its_service_account_the_token_grant_and_the_operator(capture: Capture) -> None:
    store = _one(capture, SECRET_STORE, "orders-api-store-store")
    for dependency in ("orders-api-sync-sa", "orders-api-store-token-binding", "eso-eso"):
        assert by_name(capture, dependency).urn in store.dependencies, f"{store.urn} waits for {dependency}"
    assert store.inputs["metadata"]["annotations"] == {"pulumi.com/waitFor": "condition=Ready"}


def test_eso_may_request_tokens_for_the_sync_account_only(capture: Capture) -> None:
    role = _one(capture, "kubernetes:rbac.authorization.k8s.io/v1:Role", "orders-api-store-token-role")
    binding = _one(
        capture, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "orders-api-store-token-binding"
    )
    assert role.inputs["metadata"]["namespace"] == "orders"
    assert role.inputs["rules"] == [
        {
            "apiGroups": [""],
            "resources": ["serviceaccounts/token"],
            "resourceNames": ["orders-api-secret-sync"],
            "verbs": ["create"],
        }
    ], role.urn
    assert binding.inputs["subjects"] == [
        {"kind": "ServiceAccount", "name": "external-secrets", "namespace": "external-secrets"}
    ], binding.urn
    assert binding.inputs["roleRef"]["name"] == role.inputs["metadata"]["name"]


# --- external secrets ----------------------------------------------------------------------------------


def _external_secrets(capture: Capture) -> dict[str, Registration]:
    return {r.inputs["metadata"]["name"]: r for r in of_type(capture, EXTERNAL_SECRET)}


def test_external_secrets_target_the_versioned_secret(capture: Capture) -> None:
    found = _external_secrets(capture)
    assert set(found) == {"orders-queue-v1", "payments-gateway-v3"}
    for name, registration in found.items():
        target = registration.inputs["spec"]["target"]
        assert target["name"] == name, f"{registration.urn}: the Secret is named like the ExternalSecret"
        assert (target["creationPolicy"], target["deletionPolicy"]) == ("Owner", "Retain"), registration.urn


def test_external_secret_copies_exactly_the_catalogue_keys_from_the_secret_arn(capture: Capture) -> None:
    registration = _external_secrets(capture)["payments-gateway-v3"]
    spec = registration.inputs["spec"]
    arn = spec["data"][0]["remoteRef"]["key"]
    assert arn.startswith(f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:payments-gateway-"), (
        registration.urn
    )
    assert spec["data"] == [
        {"secretKey": "client-id", "remoteRef": {"key": arn, "property": "client-id"}},
        {"secretKey": "client-secret", "remoteRef": {"key": arn, "property": "client-secret"}},
    ]
    assert "dataFrom" not in spec, f"{registration.urn}: nothing but the listed keys is copied"
    assert spec["secretStoreRef"] == {"name": "payments-api-secrets-manager", "kind": "SecretStore"}
    assert registration.inputs["metadata"]["namespace"] == "payments"
    assert by_name(capture, "payments-gateway").urn in registration.dependencies


def test_synced_secret_carries_the_rotation_annotation_and_platform_labels(capture: Capture) -> None:
    template = _external_secrets(capture)["orders-queue-v1"].inputs["spec"]["target"]["template"]
    assert template["metadata"] == {
        "labels": {
            "app.kubernetes.io/managed-by": "secrets-platform",
            "secrets-platform/secret": "orders-queue",
            "secrets-platform/version": "1",
        },
        "annotations": {"secrets-platform/rotation-days": "30"},
    }
    assert template["type"] == "Opaque" and template["mergePolicy"] == "Replace"
    assert "immutable" not in template, "ESO updates the Secret in place; an immutable one could not change"


def test_refresh_is_shorter_than_the_rotation_period(capture: Capture) -> None:
    stack = happy_stack()
    for name, registration in _external_secrets(capture).items():
        entry = stack.secret(name.rpartition("-v")[0])
        interval = parse_go_duration(registration.inputs["spec"]["refreshInterval"])
        assert registration.inputs["spec"]["refreshPolicy"] == "Periodic", registration.urn
        assert timedelta(0) < interval <= timedelta(hours=1), registration.urn
        assert interval <= timedelta(days=entry.rotation_days) / 4, registration.urn


def test_external_secrets_wait_for_the_operator_and_their_store_and_replace_create_first(
    capture: Capture,
) -> None:
    for registration in _external_secrets(capture).values():
        assert by_name(capture, "eso-eso").urn in registration.dependencies, registration.urn
        assert registration.options["deleteBeforeReplace"] is False, registration.urn
        annotations = registration.inputs["metadata"]["annotations"]
        assert annotations["pulumi.com/waitFor"] == "condition=Ready", registration.urn
    orders = _external_secrets(capture)["orders-queue-v1"]
    assert by_name(capture, "orders-api-store-store").urn in orders.dependencies, orders.urn


def test_a_version_bump_renames_the_external_secret_and_its_secret() -> None:
    stack = happy_stack()
    bumped = stack.secret("orders-queue").model_copy(update={"version": 2})

    def body() -> None:
        operator = ExternalSecretsOperator("eso", ExternalSecretsOperatorArgs(kubernetes_version="1.31"))
        SyncedSecret("s", _synced_args(bumped, operator=operator))

    capture = run(body)
    metadata = by_name(capture, "s-external-secret").inputs["metadata"]
    spec = by_name(capture, "s-external-secret").inputs["spec"]
    assert metadata["name"] == spec["target"]["name"] == "orders-queue-v2"


def test_component_types_and_outputs(capture: Capture) -> None:
    assert by_name(capture, "eso").type == "secrets-platform:external_secrets:ExternalSecretsOperator"
    assert by_name(capture, "orders-api-store").type == "secrets-platform:external_secrets:SyncSecretStore"
    assert by_name(capture, "orders-queue-sync").type == "secrets-platform:external_secrets:SyncedSecret"
    assert (
        _one(capture, EXTERNAL_SECRET, "orders-queue-sync-external-secret").parent
        == by_name(capture, "orders-queue-sync").urn
    )


# --- the rest of the objects and the policy pack ---------------------------------------------------------


@pytest.fixture(scope="module")
def cached_schemas() -> Iterator[None]:
    """kubernetes-validate re-reads its schemas on every call (6.5 ms an object; 0.3 ms cached); cache them for the module."""
    original = (kv_utils.schema_contents, kv_utils.all_versions)
    kv_utils.schema_contents = functools.cache(kv_utils.schema_contents)
    kv_utils.all_versions = functools.cache(kv_utils.all_versions)
    try:
        yield
    finally:
        kv_utils.schema_contents, kv_utils.all_versions = original


def test_core_objects_are_valid_for_kubernetes_1_31_strictly(capture: Capture, cached_schemas: None) -> None:
    objects = [
        r
        for r in capture.resources
        if r.custom and r.type.startswith("kubernetes:") and r.type not in CUSTOM_RESOURCE_TYPES | {RELEASE}
    ]
    kinds = {r.inputs["kind"] for r in objects}
    assert kinds == {"Namespace", "NetworkPolicy", "ServiceAccount", "Role", "RoleBinding"}
    problems = []
    for registration in objects:
        try:
            kubernetes_validate.validate(registration.inputs, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            problems.append(f"{registration.urn}: {'.'.join(str(p) for p in exc.path)}: {exc.message}")
    assert problems == []


def test_the_policy_pack_finds_nothing_in_what_the_components_declare(capture: Capture) -> None:
    fixtures = {"store-key", "oidc", "orders-queue", "payments-gateway", "ns-orders", "ns-payments"}
    found = {
        policy.name: {
            name: messages for name, messages in violations(policy, capture).items() if name not in fixtures
        }
        for policy in ALL_POLICIES
    }
    assert {name: v for name, v in found.items() if v} == {}


def test_no_leak_and_no_dropped_input(capture: Capture) -> None:
    assert find_leaks(capture) == []
    assert find_dropped(capture) == []


# --- pure functions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rotation_days", "ceiling", "expected"),
    [
        (30, timedelta(hours=1), timedelta(hours=1)),
        (1, timedelta(hours=1), timedelta(hours=1)),
        (1, timedelta(days=1), timedelta(hours=6)),
        (2, timedelta(days=7), timedelta(hours=12)),
    ],
)
def test_refresh_interval_is_the_ceiling_or_a_quarter_of_the_rotation(
    rotation_days: int, ceiling: timedelta, expected: timedelta
) -> None:
    assert refresh_interval(rotation_days, ceiling) == expected


@pytest.mark.parametrize(
    ("interval", "text"),
    [
        (timedelta(hours=1), "1h"),
        (timedelta(hours=6), "6h"),
        (timedelta(minutes=90), "1h30m"),
        (timedelta(seconds=45), "45s"),
        (timedelta(hours=1, seconds=1), "1h1s"),
    ],
)
def test_go_duration(interval: timedelta, text: str) -> None:
    assert go_duration(interval) == text
    assert parse_go_duration(text) == interval


@pytest.mark.parametrize("interval", [timedelta(0), timedelta(milliseconds=1500), timedelta(seconds=-5)])
def test_go_duration_refuses_what_is_not_whole_positive_seconds(interval: timedelta) -> None:
    with pytest.raises(ValueError, match="positive whole number of seconds"):
        go_duration(interval)


def test_reloader_annotations_name_each_secret_once() -> None:
    assert reloader_annotations(["orders-queue-v1", "payments-gateway-v3", "orders-queue-v1"]) == {
        RELOAD_ANNOTATION: "orders-queue-v1,payments-gateway-v3"
    }
    assert RELOAD_ANNOTATION == "secret.reloader.stakater.com/reload"


def test_sync_plan_gives_each_secret_to_its_first_reader_in_its_namespace() -> None:
    plan = sync_plan(happy_stack())
    assert {w: [e.name for e in entries] for w, entries in plan.items()} == {
        "orders-api": ["orders-queue"],
        "payments-api": ["payments-gateway"],
    }


def test_sync_plan_refuses_a_secret_no_workload_of_its_namespace_reads() -> None:
    def elsewhere(raw: dict[str, Any]) -> None:
        raw["secrets"] = [*raw["secrets"], {**PAYMENTS_GATEWAY, "namespace": "bff", "readers": []}]

    with pytest.raises(ValueError, match="'payments-gateway' lives in namespace 'bff'"):
        sync_plan(stack_config(elsewhere))


# --- argument checks: one change of the happy path per test --------------------------------------------------


@pytest.fixture(scope="module")
def operator_stub() -> ExternalSecretsOperator:
    """Check functions never read the operator; a bare instance stands for it."""
    return ExternalSecretsOperator.__new__(ExternalSecretsOperator)


def _synced_args(entry: CloudSecret, **changes: Any) -> SyncedSecretArgs:
    """Arguments of a SyncedSecret; the checks never read the operator, so a bare instance stands for it."""
    args = SyncedSecretArgs(
        entry=entry,
        namespace="orders",
        store_name="orders-api-secrets-manager",
        remote_key=f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:orders-queue-AbC123",
        operator=ExternalSecretsOperator.__new__(ExternalSecretsOperator),
    )
    return replace(args, **changes)


def test_check_operator_args_accepts_the_happy_path() -> None:
    assert (
        check_operator_args(
            ExternalSecretsOperatorArgs(kubernetes_version="1.31", reload_namespaces=["orders"])
        )
        == []
    )


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"kubernetes_version": "1.31.0"}, "is not a minor version like 1.31"),
        ({"https_egress_cidrs": ()}, "https_egress_cidrs is empty"),
        ({"https_egress_cidrs": ("10.0.0.1/16",)}, "is not a network in CIDR form"),
        ({"reload_namespaces": ["orders", "orders"]}, "'orders' is listed twice"),
        ({"reload_namespaces": ["Orders"]}, "is not a namespace name"),
        ({"reload_namespaces": ["external-secrets"]}, "is the operator's own"),
    ],
)
def test_check_operator_args_refuses(changes: dict[str, Any], problem: str) -> None:
    args = replace(ExternalSecretsOperatorArgs(kubernetes_version="1.31"), **changes)
    problems = check_operator_args(args)
    assert any(problem in p for p in problems), problems


def test_a_refused_operator_declares_nothing() -> None:
    args = ExternalSecretsOperatorArgs(kubernetes_version="1.31", https_egress_cidrs=())
    message, capture = refused(lambda: ExternalSecretsOperator("eso", args))
    assert message.startswith("External Secrets Operator: https_egress_cidrs is empty")
    assert capture.resources == []


def test_check_store_args(operator_stub: ExternalSecretsOperator) -> None:
    args = SyncSecretStoreArgs(
        workload="orders-api",
        namespace="orders",
        service_account="orders-api-secret-sync",
        provider=secret_store_provider(REGION, "orders-api-secret-sync"),
        store_suffix="secrets-manager",
        operator=operator_stub,
    )
    assert check_store_args(args) == []
    assert check_store_args(replace(args, store_suffix="Secrets_Manager")) == [
        "store suffix 'Secrets_Manager' does not make a Kubernetes name with workload 'orders-api'"
    ]
    assert check_store_args(replace(args, provider={})) == [
        "the store of 'orders-api' needs exactly one provider, got []"
    ]
    assert check_store_args(replace(args, workload="Orders")) == [
        "workload 'Orders' is not a Kubernetes name"
    ]


def test_check_synced_args_accepts_the_happy_path() -> None:
    assert check_synced_args(_synced_args(happy_stack().secret("orders-queue"))) == []


def test_check_synced_args_refuses_a_secret_that_is_not_from_a_store() -> None:
    stack = happy_stack()
    generated = stack.secret("payments-db")
    assert check_synced_args(_synced_args(generated)) == [
        "secret 'payments-db' has source 'generated': only `source: cloud` secrets are synced by ESO"
    ]
    # Any store: the SecretStore it is read through decides which.
    vault = stack.secret("orders-queue").model_copy(update={"store": "hashicorp-vault"})
    assert check_synced_args(_synced_args(vault)) == []


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        (
            {"remote_key": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:orders-*"},
            "must name one secret exactly",
        ),
        ({"remote_key": ""}, "must name one secret exactly"),
        (
            {"max_refresh": timedelta(milliseconds=10)},
            "max_refresh must be a positive whole number of seconds",
        ),
    ],
)
def test_check_synced_args_refuses(changes: dict[str, Any], problem: str) -> None:
    entry = happy_stack().secret("orders-queue")
    problems = check_synced_args(_synced_args(entry, **changes))
    assert any(problem in p for p in problems), problems


def test_a_refused_synced_secret_declares_nothing() -> None:
    entry = happy_stack().secret("orders-queue")
    message, capture = refused(lambda: SyncedSecret("s", _synced_args(entry, remote_key="")))
    assert "must name one secret exactly" in message
    assert capture.resources == []
