"""The access report, path by path, on small plans built for each case: RBAC, pods, Helm releases, the
upstream charts' controllers, store identities, operators and the mobile path."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from offline.access import access_report, render_mermaid
from offline.access.render import build_graph, path_label
from offline.plan import Plan, Resource

RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"
READ_SECRET = {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}


def _resource(
    typ: str, name: str, inputs: dict[str, Any], depends: dict[str, list[str]] | None = None
) -> Resource:
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
        property_dependencies=depends or {},
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


def deployment(namespace: str, name: str, account: str, pod: dict[str, Any]) -> Resource:
    spec = {"serviceAccountName": account, **pod}
    return _resource(
        "kubernetes:apps/v1:Deployment",
        f"{namespace}-{name}",
        {"metadata": {"name": name, "namespace": namespace}, "spec": {"template": {"spec": spec}}},
    )


def test_pods_read_what_they_mount_reference_in_env_or_pull_with() -> None:
    pod = {
        "containers": [
            {
                "name": "api",
                "env": [{"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db-v1", "key": "password"}}}],
                "envFrom": [{"secretRef": {"name": "other-v1"}}],
            }
        ],
        "imagePullSecrets": [{"name": "registry"}],
    }
    rows = [
        r for r in _rows(access_report(happy(deployment("pay", "api", "api", pod)))) if "Deployment" in r[3]
    ]
    assert rows == [
        ("pay/db-v1", "workload", "pay/api", "Deployment pay/api (env DB, key password)", "get"),
        ("pay/other-v1", "workload", "pay/api", "Deployment pay/api (envFrom, every key)", "get"),
        ("pay/registry", "workload", "pay/api", "Deployment pay/api (imagePullSecrets)", "get"),
    ]


def test_a_pod_without_a_service_account_reads_as_default() -> None:
    pod = {"containers": [{"name": "c"}], "volumes": [{"name": "s", "secret": {"secretName": "db-v1"}}]}
    report = access_report(happy(deployment("pay", "batch", "", pod)))
    assert ("pay/db-v1", "workload", "pay/default", "Deployment pay/batch (volume)", "get") in _rows(report)


def overrides_secret() -> Resource:
    return _resource(
        "kubernetes:core/v1:Secret",
        "bff-values",
        {
            "metadata": {
                "name": "bff-secret-values-v2",
                "namespace": "bff",
                "annotations": {
                    "secrets-platform/sources": "cmsToken=cms-token/token,cacheKey=cache-key/key"
                },
            }
        },
    )


def release(name: str, namespace: str, chart: str, version: str | None, values: dict[str, Any]) -> Resource:
    inputs: dict[str, Any] = {"name": name, "namespace": namespace, "chart": chart, "values": values}
    if version:
        inputs |= {"version": version, "repositoryOpts": {"repo": "https://charts.example.com"}}
    return _resource("kubernetes:helm.sh/v3:Release", f"{name}-release", inputs)


def test_a_releases_pods_read_its_overrides_secret_once_per_catalogue_entry_it_copies() -> None:
    bff = release("bff", "bff", "./charts/bff", None, {"secret": {"existingSecret": "bff-secret-values-v2"}})
    report = access_report(plan(overrides_secret(), bff))
    holds = "holds cms-token/token as cmsToken, cache-key/key as cacheKey"
    through = f"Helm release bff/bff (values secret.existingSecret); {holds}"
    assert [(r["secret"], r["catalogue"], r["reader_kind"], r["reader"], r["through"]) for r in report] == [
        ("bff/bff-secret-values-v2", "cache-key", "release", "bff/bff", through),
        ("bff/bff-secret-values-v2", "cms-token", "release", "bff/bff", through),
    ]


def test_reloader_reads_the_secrets_of_the_namespaces_it_watches_and_its_own() -> None:
    values = {"reloader": {"watchGlobally": False, "namespaces": ["pay"]}}
    report = access_report(happy(release("reloader", "ops", "reloader", "2.2.16", values)))
    rows = {(r[0], r[2]) for r in _rows(report) if r[1] == "controller"}
    assert rows == {
        ("ops/*", "ops/reloader-reloader"),
        ("pay/*", "ops/reloader-reloader"),
        ("pay/db-v1", "ops/reloader-reloader"),
        ("pay/other-v1", "ops/reloader-reloader"),
    }


def test_a_cluster_wide_controller_reaches_every_secret() -> None:
    report = access_report(happy(release("external-secrets", "eso", "external-secrets", "2.9.0", {})))
    controller = [r for r in _rows(report) if r[2] == "eso/external-secrets"]
    assert [r[0] for r in controller] == ["*/*", "pay/db-v1", "pay/other-v1"]
    assert controller[0][4] == "create,delete,get,list,patch,update,watch"
    assert any(
        r[2] == "eso/external-secrets-cert-controller" and r[4] == "get,list,watch" for r in _rows(report)
    )


@pytest.mark.parametrize(
    ("chart", "version", "values"),
    [
        ("some-operator", "1.0.0", {}),  # a chart this report has not analysed
        ("external-secrets", "2.10.0", {}),  # an analysed chart at another version
        ("external-secrets", "2.9.0", {"scopedRBAC": True}),  # values the analysis depends on
        ("reloader", "2.2.16", {"fullnameOverride": "r"}),
    ],
)
def test_a_release_the_report_cannot_vouch_for_may_read_anything(
    chart: str, version: str, values: dict
) -> None:
    report = access_report(happy(release("x", "ops", chart, version, values)))
    assert [r for r in _rows(report) if r[2] == "ops/x"] == [
        ("*/*", "release", "ops/x", f"Helm release ops/x (chart {chart} {version}: not analysed; render it and read its Roles)", "unknown")
    ]  # fmt: skip


def test_eks_access_policies_in_their_scope_and_view_reads_no_secret() -> None:
    def association(policy: str, scope: dict[str, Any]) -> Resource:
        return _resource(
            "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
            policy,
            {
                "clusterName": "c",
                "principalArn": f"arn:aws:iam::1:role/{policy}",
                "policyArn": f"arn:aws:eks::aws:cluster-access-policy/{policy}",
                "accessScope": scope,
            },
        )

    entry = _resource(
        "aws:eks/accessEntry:AccessEntry",
        "e",
        {"principalArn": "arn:aws:iam::1:role/AmazonEKSEditPolicy", "kubernetesGroups": ["devs"]},
    )
    report = access_report(
        plan(
            entry,
            association("AmazonEKSEditPolicy", {"type": "namespace", "namespaces": ["pay", "shop"]}),
            association("AmazonEKSViewPolicy", {"type": "cluster"}),
            association("AmazonEKSSomethingNew", {"type": "cluster"}),
        )
    )
    edit = "EKS access entry of cluster c, access policy AmazonEKSEditPolicy; member of Kubernetes group devs"
    assert _rows(report) == [
        ("*/*", "principal", "arn:aws:iam::1:role/AmazonEKSSomethingNew",
         "EKS access entry of cluster c, access policy AmazonEKSSomethingNew", "unknown"),
        ("pay/*", "principal", "arn:aws:iam::1:role/AmazonEKSEditPolicy", edit, "create,delete,get,list,patch,update,watch"),
        ("shop/*", "principal", "arn:aws:iam::1:role/AmazonEKSEditPolicy", edit, "create,delete,get,list,patch,update,watch"),
    ]  # fmt: skip


def test_aks_admin_groups_by_their_config_name_and_local_accounts() -> None:
    group = "3c9d1e2f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
    cluster = _resource(
        "azure-native:containerservice:ManagedCluster",
        "aks",
        {
            "resourceName": "prod",
            "aadProfile": {"adminGroupObjectIDs": [group]},
            "disableLocalAccounts": False,
        },
    )
    rows = _rows(access_report(plan(cluster), {group: "platform-operators"}))
    assert rows == [
        ("*/*", "credential", "local cluster admin",
         "AKS local accounts of cluster prod (listClusterAdminCredential gives cluster-admin)", "*"),
        ("*/*", "group", f"platform-operators ({group})", "AKS Entra ID admin group of cluster prod (cluster-admin)", "*"),
    ]  # fmt: skip
    binding_rows = _rows(
        access_report(
            happy(binding("pay", "ops", "api-reader", {**GROUP, "name": group})), {group: "ops-team"}
        )
    )
    assert ("pay/db-v1", "group", f"ops-team ({group})", "RoleBinding pay/ops", "get") in binding_rows


ARN = "arn:aws:secretsmanager:eu-west-1:1:secret:"


def test_iam_roles_by_who_assumes_them_and_wildcards_expanded_over_known_secrets() -> None:
    sm_secret = _resource(
        "aws:secretsmanager/secret:Secret",
        "q",
        {"name": "dev/queue", "tags": {"secrets-platform/entry": "queue"}},
    )
    trust = {
        "Statement": [
            {
                "Effect": "Allow",
                "Condition": {
                    "StringEquals": {"oidc:sub": "system:serviceaccount:pay:sync", "oidc:aud": "sts"}
                },
            }
        ]
    }
    irsa = _resource("aws:iam/role:Role", "irsa", {"assumeRolePolicy": json.dumps(trust)})
    read = {
        "Statement": [
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": ARN + "dev/*"}
        ]
    }
    policy = _resource(
        "aws:iam/rolePolicy:RolePolicy", "irsa-read", {"policy": json.dumps(read)}, {"role": [irsa.urn]}
    )
    lambda_role = _resource(
        "aws:iam/role:Role",
        "rotation",
        {
            "assumeRolePolicy": json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}]}),
            "inlinePolicies": [
                {"name": "rotate", "policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": ["secretsmanager:*"], "Resource": [ARN + "dev/queue-AbC123"]}]})}
            ],
        },
    )  # fmt: skip
    function = _resource(
        "aws:lambda/function:Function", "fn", {"name": "rotator"}, {"role": [lambda_role.urn]}
    )
    rows = [
        r
        for r in access_report(plan(sm_secret, irsa, policy, lambda_role, function))
        if r["layer"] == "secrets-manager"
    ]
    assert [(r["secret"], r["catalogue"], r["reader_kind"], r["reader"], r["verbs"]) for r in rows] == [
        ("dev/*", None, "workload", "pay/sync", ["GetSecretValue"]),
        ("dev/queue", "queue", "function", "Lambda rotator", ["*"]),
        ("dev/queue", "queue", "workload", "pay/sync", ["GetSecretValue"]),
    ]  # fmt: skip


def test_key_vault_assignments_by_federated_workload_function_app_or_named_group() -> None:
    scope = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
    role = "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/"
    sync = _resource("azure-native:managedidentity:UserAssignedIdentity", "sync", {"resourceName": "id-sync"})
    rotation = _resource(
        "azure-native:managedidentity:UserAssignedIdentity", "rot", {"resourceName": "id-rot"}
    )
    federation = _resource(
        "azure-native:managedidentity:FederatedIdentityCredential",
        "fed",
        {"resourceName": "id-sync", "subject": "system:serviceaccount:pay:sync"},
    )
    app = _resource(
        "azure-native:web:WebApp",
        "fn",
        {
            "name": "func-rot",
            "identity": {"userAssignedIdentities": [f"{scope}/../userAssignedIdentities/id-rot"]},
        },
    )

    def assignment(
        name: str, role_id: str, on: str, principal: str, depends: Resource | None, kind: str
    ) -> Resource:
        inputs = {
            "roleDefinitionId": role + role_id,
            "scope": on,
            "principalId": principal,
            "principalType": kind,
        }
        return _resource(
            "azure-native:authorization:RoleAssignment",
            name,
            inputs,
            {"principalId": [depends.urn] if depends else []},
        )

    kv_secret = _resource(
        "azure-native:keyvault:Secret",
        "q",
        {"vaultName": "kv", "secretName": "prod-queue", "tags": {"secrets-platform/entry": "queue"}},
    )
    user, officer, admin = "4633458b-17de-408a-b874-0445c86b69e6", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7", "00482a5a-887f-4fb3-b363-3b7fe8e74483"  # fmt: skip
    crypto = "12338af0-0e69-4776-bea7-57ae8d297424"
    resources = [
        kv_secret, sync, rotation, federation, app,
        assignment("read", user, f"{scope}/secrets/prod-queue", "p1", sync, "ServicePrincipal"),
        assignment("rotate", officer, f"{scope}/secrets/prod-queue", "p2", rotation, "ServicePrincipal"),
        assignment("admins", admin, scope, "g1", None, "Group"),
        assignment("key", crypto, f"{scope}/keys/k", "p3", None, "ServicePrincipal"),  # a key: no secret read
    ]  # fmt: skip
    rows = [r for r in access_report(plan(*resources), {"g1": "ops"}) if r["layer"] == "key-vault"]
    assert [(r["secret"], r["catalogue"], r["reader_kind"], r["reader"]) for r in rows] == [
        ("kv/*", None, "group", "ops (g1)"),
        ("kv/prod-queue", "queue", "function", "Function App func-rot (identity id-rot)"),
        ("kv/prod-queue", "queue", "group", "ops (g1)"),
        ("kv/prod-queue", "queue", "workload", "pay/sync"),
    ]


def test_the_sync_controller_reads_through_each_store_as_its_service_account() -> None:
    policy = _resource("vault:index/policy:Policy", "p", {"name": "p", "policy": 'path "kv/data/app/key" {\n  capabilities = ["read"]\n}'})  # fmt: skip
    role = _resource(
        "vault:jwt/authBackendRole:AuthBackendRole",
        "r",
        {"roleName": "sync", "boundSubject": "system:serviceaccount:pay:vault-sync", "tokenPolicies": ["p"]},
    )
    store = _resource(
        "kubernetes:external-secrets.io/v1:SecretStore",
        "store",
        {
            "metadata": {"name": "vault", "namespace": "pay"},
            "spec": {"provider": {"vault": {"path": "kv", "auth": {"jwt": {"kubernetesServiceAccountToken": {"serviceAccountRef": {"name": "vault-sync"}}}}}}},
        },
    )  # fmt: skip
    synced = _resource(
        "kubernetes:external-secrets.io/v1:ExternalSecret",
        "es",
        {
            "metadata": {"name": "key-v1", "namespace": "pay", "labels": {"secrets-platform/secret": "key"}},
            "spec": {"secretStoreRef": {"name": "vault"}, "target": {"name": "key-v1"}, "data": [{"remoteRef": {"key": "app/key"}}]},
        },
    )  # fmt: skip
    eso = release("external-secrets", "eso", "external-secrets", "2.9.0", {})
    rows = [
        r for r in access_report(plan(policy, role, store, synced, eso)) if r["layer"] == "hashicorp-vault"
    ]
    assert [(r["secret"], r["catalogue"], r["reader_kind"], r["reader"], r["through"]) for r in rows] == [
        ("kv/data/app/key", "key", "controller", "eso/external-secrets",
         "SecretStore pay/vault as pay/vault-sync; Vault role sync (policy p)"),
        ("kv/data/app/key", "key", "workload", "pay/vault-sync", "Vault role sync (policy p)"),
    ]  # fmt: skip


def test_the_mobile_path_app_to_bff_to_cms_collection() -> None:
    writer = job(
        "cms",
        "cms-writer-maps-v1",
        "cms-writer",
        [{"name": "secret", "secret": {"secretName": "maps-v1"}}],
        {"WRITER_SECRET_DIR": "/mnt/secret", "CMS_COLLECTION": "mobile"},
    )
    token = _resource(
        "kubernetes:core/v1:Secret",
        "token",
        {"metadata": {"name": "t-v1", "namespace": "bff", "labels": {"secrets-platform/secret": "token", "secrets-platform/cms-access": "read"}}},
    )  # fmt: skip
    bff = release("bff", "bff", "./charts/bff", None, {"config": {"cms": {"collection": "mobile"}}})
    outputs = {"appSecrets": {"ios-app": ["maps"]}, "appPlatforms": {"ios-app": "ios"}}
    report = access_report(plan(secret("cms", "maps-v1", "maps"), writer, token, bff, outputs=outputs))
    cms = [
        (r["secret"], r["catalogue"], r["reader_kind"], r["reader"], r["through"])
        for r in report
        if r["layer"] == "cms"
    ]
    read = "CMS read token token (Directus policy: read on collection mobile)"
    assert cms == [
        ("mobile/*", None, "release", "bff/bff", read),
        ("mobile/maps", "maps", "app", "ios-app", "BFF bff/bff (ios app)"),
        ("mobile/maps", "maps", "release", "bff/bff", read),
    ]


def _row(
    secret: str, reader: str, through: str, layer: str = "kubernetes", kind: str = "workload"
) -> dict[str, Any]:
    return {"secret": secret, "catalogue": None, "layer": layer, "reader_kind": kind, "reader": reader,
            "through": through, "verbs": ["get"]}  # fmt: skip


def test_mermaid_labels_are_escaped_so_a_name_cannot_break_the_graph() -> None:
    hostile = 'x"]-->evil[("y'
    text = render_mermaid([_row("ns/a|b#c", hostile, "RoleBinding ns/<b>`{z}`")])
    labels = re.findall(r'\["(.*?)"\]|\(\["(.*?)"\]\)|\[\("(.*?)"\)\]', text)
    flat = [part for found in labels for part in found if part]
    assert flat, text
    for label in flat:
        assert not set(label.replace("<br/>", " ")) & set('"<>|[]{}`'), label  # <br/>: our own line breaks
    assert "x#quot;#93;--#gt;evil#91;(#quot;y" in text and "ns/a#124;b#35;c" in text
    node_lines = [line for line in text.splitlines() if line.startswith("    n")]
    assert len(node_lines) == 3, "one reader, one path, one secret: nothing injected"


def test_a_wildcard_is_drawn_once_not_per_secret_it_covers() -> None:
    rows = [
        _row("*/*", "eso", "ClusterRole c", kind="controller"),
        _row("pay/db-v1", "eso", "ClusterRole c", kind="controller"),
        _row("pay/db-v1", "pay/api", "RoleBinding pay/r"),
    ]
    graph = build_graph(rows)
    secrets = {label[0] for nodes in graph.secrets.values() for label in nodes.values()}
    assert secrets == {"*/*", "pay/db-v1"} and len(graph.edges) == 4, "eso -> c -> */*; api -> r -> db"


def test_the_picture_names_the_path_without_the_detail_the_table_keeps() -> None:
    assert path_label("Deployment pay/api (volume, keys a, b)") == "Deployment pay/api"
    assert path_label("Job cms/w (volume); writes it into CMS collection m") == "Job cms/w"
    assert path_label("Role r (Helm release ops/r, chart r 1.0.0)") == "Role r"
    assert path_label("IAM role x (role policy y)") == "IAM role x"


def test_the_diffs_access_changes_draw_as_they_are() -> None:
    """What the pull request comment hands `render_mermaid`: `dataclasses.asdict` of the diff's
    access changes, which carry no layer or catalogue; gains solid, losses dashed."""
    change = {"change": "gains", "secret": "pay/db-v1", "reader_kind": "workload", "reader": "pay/worker",
              "through": "RoleBinding pay/worker-secret-reader", "verbs": ("get",)}  # fmt: skip
    text = render_mermaid([change])
    assert '(["workload<br/>pay/worker"])' in text and '[("pay/db-v1")]' in text
    assert '-->|"+ get"|' in text and 'subgraph kubernetes["Kubernetes Secrets"]' in text
    lost = render_mermaid([{**change, "change": "loses"}])
    assert '-.->|"- get"|' in lost and "-->" not in lost.replace("-.->", "")


def test_a_path_kept_by_one_reader_and_lost_by_another_stays_solid() -> None:
    lost = {"change": "loses", "secret": "ns/s-v1", "reader_kind": "workload", "reader": "ns/a",
            "through": "RoleBinding ns/r", "verbs": ("get",)}  # fmt: skip
    text = render_mermaid([lost, {**lost, "change": "gains", "reader": "ns/b"}])
    assert "n0 -.->" in text and "n1 --> n2" in text and "n1 -.-> n2" not in text
    assert "n1 -.-> n2" in render_mermaid([lost])
