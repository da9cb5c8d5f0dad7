"""Secret delivery paths: External Secrets stores are namespaced; the CMS write token stays in the CMS
namespace and the writer Jobs write only mobile secrets."""

from __future__ import annotations

import pulumi_kubernetes as k8s

from components.kubernetes.external_secrets.operator import eso_values
from policies.least_privilege import (
    KUBERNETES_CLUSTERSECRETSTORE_FORBIDDEN,
    KUBERNETES_EXTERNALSECRETS_OPERATOR_SCOPE,
    KUBERNETES_JOB_CMS_PROVISIONER_SECRETS,
    KUBERNETES_JOB_CMS_WRITER_MOBILE_SECRETS,
    KUBERNETES_SECRET_CMS_WRITE_TOKEN,
)
from tests.policies.conftest import judge


def _store(name: str, kind: str = "SecretStore", api_version: str = "external-secrets.io/v1") -> None:
    k8s.apiextensions.CustomResource(
        name,
        api_version=api_version,
        kind=kind,
        metadata={"name": name, "namespace": None if kind.startswith("Cluster") else "orders"},
        spec={
            "provider": {
                "aws": {
                    "service": "SecretsManager",
                    "region": "eu-west-1",
                    "auth": {"jwt": {"serviceAccountRef": {"name": "orders-api-secret-sync"}}},
                }
            }
        },
    )


def _external_secret(name: str, store_kind: str = "SecretStore", data_store_kind: str | None = None) -> None:
    data: dict = {
        "secretKey": "password",
        "remoteRef": {"key": "secrets-dev/orders-queue", "property": "password"},
    }
    if data_store_kind is not None:
        data["sourceRef"] = {"storeRef": {"name": "shared", "kind": data_store_kind}}
    k8s.apiextensions.CustomResource(
        name,
        api_version="external-secrets.io/v1",
        kind="ExternalSecret",
        metadata={"name": name, "namespace": "orders"},
        spec={
            "refreshInterval": "1h",
            "secretStoreRef": {"name": "orders-api-secrets-manager", "kind": store_kind},
            "target": {"name": name},
            "data": [data],
        },
    )


def test_clustersecretstore_forbidden() -> None:
    def body() -> None:
        _store("passed-1")
        _external_secret("passed-2")
        _external_secret("passed-3", data_store_kind="SecretStore")
        _store("failed-1", kind="ClusterSecretStore")
        _store("failed-2", kind="ClusterSecretStore", api_version="external-secrets.io/v1beta1")
        _external_secret("failed-3", store_kind="ClusterSecretStore")
        _external_secret("failed-4", data_store_kind="ClusterSecretStore")

    found = judge(KUBERNETES_CLUSTERSECRETSTORE_FORBIDDEN, body)
    assert "spec.secretStoreRef" in found["failed-3"][0], found["failed-3"]
    assert "spec.data[0].sourceRef.storeRef" in found["failed-4"][0], found["failed-4"]


def _eso_release(name: str, values: dict, chart: str = "external-secrets") -> None:
    k8s.helm.v3.Release(
        name,
        chart=chart,
        version="2.9.0",
        namespace="external-secrets",
        repository_opts={"repo": "https://charts.external-secrets.io"},
        values=values,
    )


def test_externalsecrets_operator_runs_without_cluster_and_push_kinds() -> None:
    platform = eso_values()

    def body() -> None:
        _eso_release("passed-1", platform)  # as the platform installs it
        _external_secret("passed-2")
        _eso_release("passed-3", {**platform, "replicaCount": 2}, chart="external-secrets/external-secrets")
        _eso_release("failed-1", {})  # the chart's defaults: every kind on, token minting on
        _eso_release("failed-2", {**platform, "crds": {**platform["crds"], "createPushSecret": True}})
        _eso_release("failed-3", {**platform, "processClusterExternalSecret": "true"})
        _eso_release("failed-4", {**platform, "rbac": {"serviceAccountTokenCreate": True}})
        for i, (api_version, kind) in enumerate(
            [
                ("external-secrets.io/v1", "ClusterExternalSecret"),
                ("external-secrets.io/v1alpha1", "PushSecret"),
                ("external-secrets.io/v1alpha1", "ClusterPushSecret"),
                ("generators.external-secrets.io/v1alpha1", "ClusterGenerator"),
            ],
            start=5,
        ):
            k8s.apiextensions.CustomResource(
                f"failed-{i}", api_version=api_version, kind=kind, metadata={"name": "x"}, spec={}
            )
        # Helm v4's Chart installs the same chart with the same values.
        k8s.helm.v4.Chart(
            "failed-9", chart="oci://ghcr.io/external-secrets/charts/external-secrets", values={}
        )

    found = judge(KUBERNETES_EXTERNALSECRETS_OPERATOR_SCOPE, body)
    assert "11 cluster-wide or push feature(s)" in found["failed-1"][0]
    assert "(crds.createPushSecret)" in found["failed-2"][0]


def _secret(name: str, namespace: str, labels: dict[str, str], secret_name: str | None = None) -> None:
    k8s.core.v1.Secret(
        name,
        metadata={"name": secret_name or name, "namespace": namespace, "labels": labels},
        type="Opaque",
        string_data={"token": "x"},
    )


def test_cms_write_token_only_in_the_cms_namespace() -> None:
    def body() -> None:
        _secret("passed-1", "cms", {"secrets-platform/cms-access": "write"})
        _secret("passed-2", "bff", {"secrets-platform/cms-access": "read"})
        _secret("passed-3", "bff", {})
        _secret("failed-1", "bff", {"secrets-platform/cms-access": "write"})
        _secret("failed-2", "payments", {"secrets-platform/cms-access": "write"})

    judge(KUBERNETES_SECRET_CMS_WRITE_TOKEN, body)


def _writer(
    name: str, secrets: list[str], labels: dict[str, str] | None = None, projected: bool = False
) -> None:
    volumes = (
        [{"name": "s", "projected": {"sources": [{"secret": {"name": n}} for n in secrets]}}]
        if projected
        else [{"name": f"s{i}", "secret": {"secret_name": n}} for i, n in enumerate(secrets)]
    )
    k8s.batch.v1.Job(
        name,
        metadata={"namespace": "cms"},
        spec={
            "template": {
                "metadata": {
                    "labels": labels if labels is not None else {"app.kubernetes.io/name": "cms-writer"}
                },
                "spec": {
                    "restart_policy": "Never",
                    "containers": [{"name": "w", "image": "bff:1"}],
                    "volumes": volumes,
                },
            }
        },
    )


def test_cms_writer_writes_only_mobile_secrets() -> None:
    mobile = {"secrets-platform/delivery": "mobile"}

    def body() -> None:
        _secret("maps", "cms", mobile, "maps-api-key-v1")
        _secret("writer-token", "cms", {"secrets-platform/cms-access": "write"}, "cms-writer-token-v1")
        _secret("database", "cms", {}, "payments-db-v1")
        _writer("passed-1", ["maps-api-key-v1", "cms-writer-token-v1"])
        _writer("passed-2", ["payments-db-v1"], labels={"app.kubernetes.io/name": "migrations"})  # no writer
        _writer("failed-1", ["payments-db-v1", "cms-writer-token-v1"])
        _writer("failed-2", ["maps-api-key-v1", "payments-db-v1"], projected=True)
        # A CMS credential is not the writer's to write: only its own token is exempt.
        _secret("read-token", "cms", {"secrets-platform/cms-access": "read"}, "cms-read-token-v1")
        _secret("admin", "cms", {"secrets-platform/cms-access": "admin"}, "cms-admin-v1")
        _writer("failed-3", ["cms-read-token-v1", "cms-writer-token-v1"])
        _writer("failed-4", ["maps-api-key-v1", "cms-admin-v1"])

    judge(KUBERNETES_JOB_CMS_WRITER_MOBILE_SECRETS, body)


def test_cms_provisioner_mounts_only_cms_credentials() -> None:
    provisioner = {"app.kubernetes.io/name": "cms-provisioner"}

    def body() -> None:
        _secret("admin", "cms", {"secrets-platform/cms-access": "admin"}, "cms-admin-v2")
        _secret("read-token", "cms", {"secrets-platform/cms-access": "read"}, "cms-read-token-v1")
        _secret("writer-token", "cms", {"secrets-platform/cms-access": "write"}, "cms-writer-token-v1")
        _secret("maps", "cms", {"secrets-platform/delivery": "mobile"}, "maps-api-key-v1")
        _secret("database", "cms", {}, "payments-db-v1")
        credentials = ["cms-admin-v2", "cms-read-token-v1", "cms-writer-token-v1"]
        _writer("passed-1", credentials, labels=provisioner, projected=True)
        # The previous administrator password (gone from the stack) and cert-manager's CMS certificate.
        _writer("passed-2", [*credentials, "cms-admin-v1", "cms-tls"], labels=provisioner)
        _writer("passed-3", ["payments-db-v1"], labels={"app.kubernetes.io/name": "migrations"})
        _writer("failed-1", [*credentials, "payments-db-v1"], labels=provisioner, projected=True)
        _writer("failed-2", [*credentials, "maps-api-key-v1"], labels=provisioner)

    judge(KUBERNETES_JOB_CMS_PROVISIONER_SECRETS, body)
