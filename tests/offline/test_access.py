"""The access report: who can read which secret, read from a plan's RBAC objects, its Jobs' volumes
and the `appSecrets`/`appPlatforms` outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from offline.access import access_report, render_markdown
from offline.cli import main
from offline.plan import Plan, Resource, make_plan

ROOT = Path(__file__).resolve().parents[2]
RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"
READ_SECRET = {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}


def _resource(typ: str, name: str, inputs: dict[str, Any]) -> Resource:
    return Resource(
        urn=f"urn:pulumi:t::p::{typ}::{name}",
        type=typ,
        name=name,
        parent="",
        provider="",
        custom=True,
        inputs=inputs,
        secret_paths=[],
        options={},
        dependencies=[],
        property_dependencies={},
    )


def secret(namespace: str, name: str, catalogue: str | None = None) -> Resource:
    labels = {"secrets-platform/secret": catalogue} if catalogue else {}
    return _resource(
        "kubernetes:core/v1:Secret",
        f"{namespace}-{name}",
        {"kind": "Secret", "metadata": {"name": name, "namespace": namespace, "labels": labels}},
    )


def role(namespace: str, name: str, *rules: dict[str, Any], cluster: bool = False) -> Resource:
    kind = "ClusterRole" if cluster else "Role"
    metadata = {"name": name} if cluster else {"name": name, "namespace": namespace}
    return _resource(RBAC + kind, f"{namespace}-{name}-role", {"metadata": metadata, "rules": list(rules)})


def binding(
    namespace: str, name: str, role_name: str, *subjects: dict[str, Any], role_kind: str = "Role"
) -> Resource:
    cluster = namespace == "*"
    kind = "ClusterRoleBinding" if cluster else "RoleBinding"
    metadata = {"name": name} if cluster else {"name": name, "namespace": namespace}
    return _resource(
        RBAC + kind,
        f"{namespace}-{name}-binding",
        {
            "metadata": metadata,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name},
            "subjects": list(subjects),
        },
    )


def sa(namespace: str, name: str) -> dict[str, str]:
    return {"kind": "ServiceAccount", "name": name, "namespace": namespace}


GROUP = {"kind": "Group", "name": "ops", "apiGroup": "rbac.authorization.k8s.io"}


def plan(*resources: Resource, outputs: dict[str, Any] | None = None) -> Plan:
    return Plan("p", "t", "passphrase", list(resources), outputs or {})


def happy(*extra: Resource, outputs: dict[str, Any] | None = None) -> Plan:
    """The happy path: one workload reads one Secret through a reader Role; another Secret is unread."""
    return plan(
        secret("pay", "db-v1", "db"),
        secret("pay", "other-v1", "other"),
        role("pay", "api-reader", {**READ_SECRET, "resourceNames": ["db-v1"]}),
        binding("pay", "api-reader", "api-reader", sa("pay", "api")),
        *extra,
        outputs=outputs,
    )


def _rows(report: list[dict[str, Any]]) -> list[tuple[str, str, str, str, str]]:
    return [(r["secret"], r["reader_kind"], r["reader"], r["through"], ",".join(r["verbs"])) for r in report]


def test_a_reader_role_grants_its_service_account_exactly_its_secret() -> None:
    assert _rows(access_report(happy())) == [
        ("pay/db-v1", "workload", "pay/api", "RoleBinding pay/api-reader", "get"),
    ]


def test_a_role_without_resource_names_reaches_every_secret_of_its_namespace() -> None:
    extra = (
        role("pay", "ops", {**READ_SECRET, "verbs": ["get", "create"]}),
        binding("pay", "ops", "ops", GROUP),
    )
    rows = [r for r in _rows(access_report(happy(*extra))) if r[1] == "group"]
    assert rows == [
        ("pay/*", "group", "ops", "RoleBinding pay/ops", "create,get"),
        ("pay/db-v1", "group", "ops", "RoleBinding pay/ops", "create,get"),
        ("pay/other-v1", "group", "ops", "RoleBinding pay/ops", "create,get"),
    ]


def test_verbs_that_do_not_read_give_no_row() -> None:
    extra = (
        role("pay", "writer", {**READ_SECRET, "verbs": ["create", "delete"]}),
        binding("pay", "w", "writer", GROUP),
    )
    assert _rows(access_report(happy(*extra))) == _rows(access_report(happy()))


def test_rules_on_other_resources_give_no_row() -> None:
    extra = (
        role("pay", "cm", {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}),
        binding("pay", "cm", "cm", GROUP),
    )
    assert _rows(access_report(happy(*extra))) == _rows(access_report(happy()))


def test_list_is_a_read() -> None:
    extra = (role("pay", "lister", {**READ_SECRET, "verbs": ["list"]}), binding("pay", "l", "lister", GROUP))
    assert ("pay/other-v1", "group", "ops", "RoleBinding pay/l", "list") in _rows(
        access_report(happy(*extra))
    )


def test_a_cluster_role_binding_reaches_every_secret_of_every_namespace() -> None:
    extra = (
        secret("shop", "key-v2", "key"),
        role("", "secret-reader", {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, cluster=True),
        binding("*", "everyone", "secret-reader", GROUP, role_kind="ClusterRole"),
    )
    rows = [r[0] for r in _rows(access_report(happy(*extra))) if r[3] == "ClusterRoleBinding everyone"]
    assert rows == ["*/*", "pay/db-v1", "pay/other-v1", "shop/key-v2"], "known Secrets, then all others"


def test_a_role_binding_to_a_cluster_role_is_limited_to_its_namespace() -> None:
    extra = (
        secret("shop", "key-v2", "key"),
        role("", "view-secrets", READ_SECRET, cluster=True),
        binding("shop", "viewers", "view-secrets", GROUP, role_kind="ClusterRole"),
    )
    rows = [r[0] for r in _rows(access_report(happy(*extra))) if r[1] == "group"]
    assert rows == ["shop/*", "shop/key-v2"]


def job(
    namespace: str, name: str, account: str, volumes: list[dict[str, Any]], env: dict[str, str]
) -> Resource:
    mounts = [{"name": v["name"], "mountPath": f"/mnt/{v['name']}", "readOnly": True} for v in volumes]
    return _resource(
        "kubernetes:batch/v1:Job",
        f"{namespace}-{name}",
        {
            "metadata": {"name": name, "namespace": namespace},
            "spec": {
                "template": {
                    "spec": {
                        "serviceAccountName": account,
                        "containers": [
                            {
                                "name": "c",
                                "env": [{"name": k, "value": v} for k, v in env.items()],
                                "volumeMounts": mounts,
                            }
                        ],
                        "volumes": volumes,
                    }
                }
            },
        },
    )


def test_a_jobs_pods_read_the_secrets_they_mount_and_a_writer_says_where_it_writes() -> None:
    writer = job(
        "cms",
        "cms-writer-k-v2",
        "cms-writer",
        [
            {"name": "secret", "secret": {"secretName": "k-v2"}},
            {"name": "token", "secret": {"secretName": "w-v1", "items": [{"key": "token", "path": "token"}]}},
        ],
        {"WRITER_SECRET_DIR": "/mnt/secret", "CMS_COLLECTION": "mobile_secrets"},
    )
    provisioner = job(
        "cms",
        "cms-provision-r1-w1-a3",
        "cms-provisioner",
        [
            {
                "name": "secrets",
                "projected": {
                    "sources": [
                        {"secret": {"name": "a-v3", "items": [{"key": "password", "path": "p"}]}},
                        {
                            "secret": {
                                "name": "a-v2",
                                "items": [{"key": "password", "path": "q"}],
                                "optional": True,
                            }
                        },
                    ]
                },
            },
            {"name": "tmp", "emptyDir": {}},
        ],
        {},
    )
    rows = [r for r in _rows(access_report(happy(writer, provisioner))) if r[1] == "job"]
    assert rows == [
        (
            "cms/a-v2",
            "job",
            "cms/cms-provisioner",
            "Job cms/cms-provision-r1-w1-a3 (volume, key password)",
            "get",
        ),
        (
            "cms/a-v3",
            "job",
            "cms/cms-provisioner",
            "Job cms/cms-provision-r1-w1-a3 (volume, key password)",
            "get",
        ),
        (
            "cms/k-v2",
            "job",
            "cms/cms-writer",
            "Job cms/cms-writer-k-v2 (volume); writes it into CMS collection mobile_secrets",
            "get",
        ),
        ("cms/w-v1", "job", "cms/cms-writer", "Job cms/cms-writer-k-v2 (volume, key token)", "get"),
    ]


def test_apps_read_their_secrets_through_the_bff_resolved_to_the_kubernetes_secret() -> None:
    extra = (
        role("pay", "cloud-reader", {**READ_SECRET, "resourceNames": ["queue-v3"]}),
        binding("pay", "cloud-reader", "cloud-reader", sa("pay", "worker")),
    )
    report = access_report(happy(*extra, outputs={"appSecrets": {"shopper-ios": ["other", "queue", "gone"]}}))
    assert [r for r in _rows(report) if r[1] == "app"] == [
        ("?/gone", "app", "shopper-ios", "BFF", "get"),
        ("pay/other-v1", "app", "shopper-ios", "BFF", "get"),
        ("pay/queue-v3", "app", "shopper-ios", "BFF", "get"),
    ], "a declared Secret by its label, a cloud-synced one by the Role naming it, an unknown one as ?/"


def test_an_apps_platform_is_shown_with_its_path() -> None:
    outputs = {"appSecrets": {"shopper-ios": ["other"]}, "appPlatforms": {"shopper-ios": "ios"}}
    assert [r for r in _rows(access_report(happy(outputs=outputs))) if r[1] == "app"] == [
        ("pay/other-v1", "app", "shopper-ios", "BFF (ios app)", "get")
    ]


@pytest.fixture(scope="module")
def dev_plan() -> Plan:
    return make_plan(ROOT, "dev")


def test_dev_stack_report(dev_plan: Plan) -> None:
    ops = "create,delete,get,patch,update"  # create is name-agnostic (RBAC cannot limit it); the rest name each Secret
    provision, writer = "Job cms/cms-provision-r1-w1-a1", "Job cms/cms-writer-maps-api-key-v1"
    assert _rows(access_report(dev_plan)) == [
        ("bff/bff-cache-key-v1", "group", "platform-operators", "RoleBinding bff/secrets-operator", ops),
        ("bff/bff-cms-token-v1", "group", "platform-operators", "RoleBinding bff/secrets-operator", ops),
        ("bff/bff-tls-v1", "group", "platform-operators", "RoleBinding bff/secrets-operator", ops),
        ("cms/cms-admin-v1", "group", "platform-operators", "RoleBinding cms/secrets-operator", ops),
        # The provisioning Job reads the CMS's credentials it applies, and the CMS's CA (ca.crt only).
        ("cms/cms-admin-v1", "job", "cms/cms-provisioner", f"{provision} (volume, key password)", "get"),
        ("cms/cms-read-token-v1", "job", "cms/cms-provisioner", f"{provision} (volume, key token)", "get"),
        ("cms/cms-signing-v1", "group", "platform-operators", "RoleBinding cms/secrets-operator", ops),
        ("cms/cms-tls", "job", "cms/cms-provisioner", f"{provision} (volume, key ca.crt)", "get"),
        ("cms/cms-tls", "job", "cms/cms-writer", f"{writer} (volume, key ca.crt)", "get"),
        ("cms/cms-writer-token-v1", "group", "platform-operators", "RoleBinding cms/secrets-operator", ops),
        ("cms/cms-writer-token-v1", "job", "cms/cms-provisioner", f"{provision} (volume, key token)", "get"),
        ("cms/cms-writer-token-v1", "job", "cms/cms-writer", f"{writer} (volume, key token)", "get"),
        # Mobile apps reach a mobile secret only through the BFF (which reads it from the CMS)...
        ("cms/maps-api-key-v1", "app", "shopper-android", "BFF (android app)", "get"),
        ("cms/maps-api-key-v1", "app", "shopper-ios", "BFF (ios app)", "get"),
        ("cms/maps-api-key-v1", "group", "platform-operators", "RoleBinding cms/secrets-operator", ops),
        # ... where its writer Job, with the writer token, put it.
        (
            "cms/maps-api-key-v1",
            "job",
            "cms/cms-writer",
            f"{writer} (volume); writes it into CMS collection mobile_secrets",
            "get",
        ),
        ("orders/orders-queue-v1", "group", "platform-operators", "RoleBinding orders/secrets-operator", ops),
        (
            "orders/orders-queue-v1",
            "workload",
            "orders/orders-api",
            "RoleBinding orders/orders-api-secret-reader",
            "get",
        ),
        # Synced from Vault, read the same way: operators and the one reader Role name it.
        (
            "orders/orders-webhook-key-v1",
            "group",
            "platform-operators",
            "RoleBinding orders/secrets-operator",
            ops,
        ),
        (
            "orders/orders-webhook-key-v1",
            "workload",
            "orders/orders-api",
            "RoleBinding orders/orders-api-secret-reader",
            "get",
        ),
        (
            "payments/payments-ca-v1",
            "group",
            "platform-operators",
            "RoleBinding payments/secrets-operator",
            ops,
        ),
        (
            "payments/payments-ca-v1",
            "workload",
            "payments/payments-api",
            "RoleBinding payments/payments-api-secret-reader",
            "get",
        ),
        (
            "payments/payments-db-v1",
            "group",
            "platform-operators",
            "RoleBinding payments/secrets-operator",
            ops,
        ),
        (
            "payments/payments-db-v1",
            "workload",
            "payments/payments-api",
            "RoleBinding payments/payments-api-secret-reader",
            "get",
        ),
        (
            "payments/payments-provider-v1",
            "group",
            "platform-operators",
            "RoleBinding payments/secrets-operator",
            ops,
        ),
        (
            "payments/payments-provider-v1",
            "workload",
            "payments/payments-api",
            "RoleBinding payments/payments-api-secret-reader",
            "get",
        ),
    ]


def test_markdown_is_one_table_row_per_grant(dev_plan: Plan) -> None:
    report = access_report(dev_plan)
    lines = render_markdown(report).splitlines()
    assert lines[0] == "| secret | reader kind | reader | through | verbs |"
    assert len(lines) == 2 + len(report)
    assert "| cms/maps-api-key-v1 | app | shopper-ios | BFF (ios app) | get |" in lines


def test_access_command_prints_the_report_as_json(capsys: pytest.CaptureFixture[str], dev_plan: Plan) -> None:
    code = main(["--project-dir", str(ROOT), "access", "--stack", "dev", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0
    doc = json.loads(out)
    assert (doc["format"], doc["version"], doc["stack"]) == ("secrets-platform/access", 1, "dev")
    camel = {"reader_kind": "readerKind"}
    assert doc["grants"] == [{camel.get(k, k): v for k, v in row.items()} for row in access_report(dev_plan)]
