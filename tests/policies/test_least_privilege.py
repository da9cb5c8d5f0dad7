"""Least-privilege policies: RBAC rules and bindings, IAM documents and trust, Azure role scopes."""

from __future__ import annotations

import json

import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_kubernetes as k8s

from policies.least_privilege import (
    AWS_IAM_POLICY_SECRETS_WILDCARDS,
    AWS_IAM_ROLE_WEB_IDENTITY_SUBJECT,
    AWS_S3_BUCKET_PUBLIC_ACCESS_BLOCK,
    AZURE_AUTHORIZATION_ROLE_ASSIGNMENT_SCOPE,
    KUBERNETES_CLUSTERROLE_SECRETS,
    KUBERNETES_CLUSTERSECRETSTORE_FORBIDDEN,
    KUBERNETES_JOB_CMS_PROVISIONER_SECRETS,
    KUBERNETES_JOB_CMS_WRITER_MOBILE_SECRETS,
    KUBERNETES_ROLE_SECRET_RESOURCE_NAMES,
    KUBERNETES_ROLE_SECRET_VERBS,
    KUBERNETES_ROLE_WILDCARDS,
    KUBERNETES_ROLEBINDING_CLUSTER_ADMIN,
    KUBERNETES_ROLEBINDING_SUBJECTS,
    KUBERNETES_SECRET_CMS_WRITE_TOKEN,
    role_assignment_scope_kind,
)
from tests.policies.conftest import judge, run, violations

READER = {
    "api_groups": [""],
    "resources": ["secrets"],
    "resource_names": ["payments-db-v1"],
    "verbs": ["get"],
}


def _role(name: str, *rules: dict, cluster: bool = False) -> None:
    kind = k8s.rbac.v1.ClusterRole if cluster else k8s.rbac.v1.Role
    kind(name, metadata={"name": name, "namespace": None if cluster else "payments"}, rules=list(rules))


def test_role_wildcards() -> None:
    def body() -> None:
        _role("passed-1", READER)
        _role("passed-2", {"api_groups": ["apps"], "resources": ["deployments"], "verbs": ["get", "patch"]})
        _role("failed-1", {**READER, "verbs": ["*"]})
        _role("failed-2", {"api_groups": ["*"], "resources": ["configmaps"], "verbs": ["get"]})
        _role("failed-3", {"api_groups": [""], "resources": ["*"], "verbs": ["get"]}, cluster=True)

    judge(KUBERNETES_ROLE_WILDCARDS, body)


def test_role_secret_resource_names() -> None:
    def body() -> None:
        _role("passed-1", READER)
        _role(
            "passed-2", {"api_groups": [""], "resources": ["secrets"], "verbs": ["create"]}
        )  # cannot be named
        _role("passed-3", {"api_groups": [""], "resources": ["configmaps"], "verbs": ["get"]})
        _role("passed-4", {"api_groups": ["example.com"], "resources": ["secrets"], "verbs": ["get"]})
        _role("failed-1", {**READER, "resource_names": []})
        _role(
            "failed-2", {"api_groups": [""], "resources": ["secrets"], "verbs": ["create", "get", "delete"]}
        )
        _role("failed-3", {"api_groups": [""], "resources": ["*"], "verbs": ["get"]})

    found = judge(KUBERNETES_ROLE_SECRET_RESOURCE_NAMES, body)
    assert "delete, get" in found["failed-2"][0], "create is not reported: it cannot be named"


def test_role_secret_verbs() -> None:
    def body() -> None:
        _role("passed-1", READER)
        _role("passed-2", {"api_groups": [""], "resources": ["configmaps"], "verbs": ["list", "watch"]})
        _role("failed-1", {**READER, "verbs": ["get", "list"]})
        _role("failed-2", {**READER, "verbs": ["watch"]})
        _role("failed-3", {"api_groups": [""], "resources": ["*"], "verbs": ["list"]})

    judge(KUBERNETES_ROLE_SECRET_VERBS, body)


def test_clusterrole_secrets() -> None:
    def body() -> None:
        _role("passed-1", READER)  # a namespaced Role may
        _role("passed-2", {"api_groups": [""], "resources": ["configmaps"], "verbs": ["get"]}, cluster=True)
        _role("failed-1", READER, cluster=True)
        _role("failed-2", {"api_groups": [""], "resources": ["*"], "verbs": ["get"]}, cluster=True)

    judge(KUBERNETES_CLUSTERROLE_SECRETS, body)


def test_clusterrole_secrets_allow_list() -> None:
    def body() -> None:
        _role("passed-1", READER, cluster=True)
        _role("failed-1", READER, cluster=True)

    judge(KUBERNETES_CLUSTERROLE_SECRETS, body, {"allowList": ["passed-1"]})


def _binding(name: str, role: str, subjects: list[dict], cluster: bool = False) -> None:
    kind = k8s.rbac.v1.ClusterRoleBinding if cluster else k8s.rbac.v1.RoleBinding
    kind(
        name,
        metadata={"name": name, "namespace": None if cluster else "payments"},
        role_ref={
            "api_group": "rbac.authorization.k8s.io",
            "kind": "ClusterRole" if cluster else "Role",
            "name": role,
        },
        subjects=subjects,
    )


SA = {"kind": "ServiceAccount", "name": "payments-api", "namespace": "payments"}
OPERATORS = {"kind": "Group", "name": "platform-operators", "api_group": "rbac.authorization.k8s.io"}


def test_rolebinding_cluster_admin() -> None:
    def body() -> None:
        _binding("passed-1", "payments-api-secret-reader", [SA])
        _binding("passed-2", "view", [SA], cluster=True)
        _binding("failed-1", "cluster-admin", [SA], cluster=True)
        _binding("failed-2", "cluster-admin", [SA])

    judge(KUBERNETES_ROLEBINDING_CLUSTER_ADMIN, body)


def test_rolebinding_subjects() -> None:
    def body() -> None:
        _binding("passed-1", "reader", [SA])
        _binding("passed-2", "secrets-operator", [OPERATORS])
        _binding(
            "failed-1",
            "reader",
            [{"kind": "User", "name": "alice", "api_group": "rbac.authorization.k8s.io"}],
        )
        _binding("failed-2", "reader", [SA, {**OPERATORS, "name": "developers"}])
        _binding("failed-3", "reader", [{**OPERATORS, "name": "system:authenticated"}], cluster=True)

    judge(KUBERNETES_ROLEBINDING_SUBJECTS, body, {"allowedOperatorGroups": ["platform-operators"]})


def _document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:payments-db-AbCdEf"
KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
READ_ONE = {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": SECRET_ARN}
EC2_TRUST = _document(
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
)


def test_iam_policy_secrets_wildcards() -> None:
    def body() -> None:
        aws.iam.Policy(
            "passed-1",
            policy=_document(READ_ONE, {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY_ARN}),
        )
        aws.iam.Policy(
            "passed-2", policy=_document({"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"})
        )
        aws.iam.Policy(
            "passed-3", policy=_document({"Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*"})
        )
        aws.iam.Role(
            "passed-4",
            assume_role_policy=EC2_TRUST,
            inline_policies=[{"name": "read", "policy": _document(READ_ONE)}],
        )
        aws.iam.Policy("failed-1", policy=_document({**READ_ONE, "Action": "secretsmanager:*"}))
        aws.iam.Policy("failed-2", policy=_document({**READ_ONE, "Resource": "*"}))
        aws.iam.Policy("failed-3", policy=_document({"Effect": "Allow", "Action": "*", "Resource": "*"}))
        aws.iam.RolePolicy(
            "failed-4",
            role="app",
            policy=_document(
                {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:*:*:key/*"}
            ),
        )
        aws.iam.Role(
            "failed-5",
            assume_role_policy=EC2_TRUST,
            inline_policies=[
                {"name": "read", "policy": _document({**READ_ONE, "Action": "secretsmanager:Get*"})}
            ],
        )
        aws.iam.Policy(
            "failed-6", policy=_document({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
        )

    judge(AWS_IAM_POLICY_SECRETS_WILDCARDS, body)


ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/ABC"


def _irsa(name: str, condition: dict) -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": f"arn:aws:iam::111122223333:oidc-provider/{ISSUER}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": condition,
    }
    aws.iam.Role(name, assume_role_policy=_document(statement))


def test_iam_role_web_identity_subject() -> None:
    sub, aud = f"{ISSUER}:sub", f"{ISSUER}:aud"

    def body() -> None:
        _irsa(
            "passed-1",
            {"StringEquals": {sub: "system:serviceaccount:payments:payments-api", aud: "sts.amazonaws.com"}},
        )
        aws.iam.Role("passed-2", assume_role_policy=EC2_TRUST)
        _irsa("failed-1", {"StringLike": {sub: "system:serviceaccount:payments:*", aud: "sts.amazonaws.com"}})
        _irsa("failed-2", {"StringEquals": {aud: "sts.amazonaws.com"}})
        _irsa(
            "failed-3",
            {
                "StringEquals": {
                    sub: ["system:serviceaccount:payments:a", "system:serviceaccount:orders:b"],
                    aud: "sts.amazonaws.com",
                }
            },
        )
        _irsa("failed-4", {"StringEquals": {sub: "system:serviceaccount:payments:payments-api"}})

    judge(AWS_IAM_ROLE_WEB_IDENTITY_SUBJECT, body)


SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-000000000000"
VAULT = f"{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
OPERATOR_GROUP = "3c9d1e2f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"


def _assignment(
    name: str, scope: str, principal_type: str = "ServicePrincipal", principal: str = "app"
) -> None:
    azure_native.authorization.RoleAssignment(
        name,
        principal_id=principal,
        principal_type=principal_type,
        role_definition_id=f"{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/4633458b",
        scope=scope,
    )


def test_role_assignment_scope() -> None:
    def body() -> None:
        _assignment("passed-1", f"{VAULT}/secrets/payments-db")
        _assignment("passed-2", f"{VAULT}/keys/cluster-secrets")
        _assignment("passed-3", VAULT, "Group", OPERATOR_GROUP)
        _assignment(
            "passed-4",
            f"{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr",
        )
        _assignment("failed-1", SUBSCRIPTION)
        _assignment("failed-2", f"{SUBSCRIPTION}/resourceGroups/rg")
        _assignment("failed-3", VAULT)
        _assignment("failed-4", VAULT, "Group", "another-group")

    judge(AZURE_AUTHORIZATION_ROLE_ASSIGNMENT_SCOPE, body, {"allowedOperatorPrincipalIds": [OPERATOR_GROUP]})


def test_role_assignment_scope_kinds() -> None:
    assert role_assignment_scope_kind("/") == "the tenant root"
    assert role_assignment_scope_kind(SUBSCRIPTION + "/") == "a subscription"
    assert role_assignment_scope_kind(VAULT.upper()) == "a whole Key Vault"
    assert role_assignment_scope_kind(f"{VAULT}/secrets/x") is None


ALL_BLOCKED = {
    "block_public_acls": True,
    "block_public_policy": True,
    "ignore_public_acls": True,
    "restrict_public_buckets": True,
}


def _bucket_with_block(name: str, **changes: object) -> None:
    bucket = aws.s3.Bucket(name)
    flags = {k: v for k, v in {**ALL_BLOCKED, **changes}.items() if v is not None}
    aws.s3.BucketPublicAccessBlock(f"block-of-{name}", bucket=bucket.id, **flags)


def test_s3_bucket_public_access_block() -> None:
    def body() -> None:
        _bucket_with_block("passed-1")
        # Matched by name: the block names the bucket's fixed name instead of referencing it.
        aws.s3.Bucket("passed-2", bucket="secrets-audit-evidence")
        aws.s3.BucketPublicAccessBlock("by-name", bucket="secrets-audit-evidence", **ALL_BLOCKED)
        aws.s3.Bucket("failed-1")
        _bucket_with_block("failed-2", block_public_policy=False)
        _bucket_with_block("failed-3", restrict_public_buckets=None)  # unset: off
        # A block for another bucket does not cover this one.
        aws.s3.Bucket("failed-4", bucket="secrets-audit-other")

    found = judge(AWS_S3_BUCKET_PUBLIC_ACCESS_BLOCK, body)
    assert "blockPublicPolicy" in found["failed-2"][0], found["failed-2"]
    assert "restrictPublicBuckets" in found["failed-3"][0], found["failed-3"]


def test_s3_account_public_access_block_covers_every_bucket() -> None:
    def covered() -> None:
        aws.s3.AccountPublicAccessBlock("account", **ALL_BLOCKED)
        aws.s3.Bucket("passed-1")

    def partial() -> None:
        aws.s3.AccountPublicAccessBlock("account", **{**ALL_BLOCKED, "ignore_public_acls": False})
        aws.s3.Bucket("failed-1")

    assert violations(AWS_S3_BUCKET_PUBLIC_ACCESS_BLOCK, run(covered)) == {}
    assert set(violations(AWS_S3_BUCKET_PUBLIC_ACCESS_BLOCK, run(partial))) == {"failed-1"}


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
