"""AwsFoundation under Pulumi's mock runtime, plus its pure helpers without mocks.

Each mock test builds the happy-path stack (or changes one property of it), declares the component
and inspects the `RegisterResourceRequest`s the monitor saw: inputs as sent on the wire (camelCase,
secrets still wrapped) and resource options such as `protect`.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from pulumi.runtime import rpc

from components.aws.backend import foundation_args
from components.aws.foundation import (
    ALARM_TOPIC_SERVICES,
    KEY_ADMIN_ACTIONS,
    KMS_ROTATION_PERIOD_DAYS,
    AwsFoundation,
    check_foundation_args,
    key_policy,
    kubeconfig,
)
from config.models import StackConfig
from tests.components._capturing_monitor import CapturingMonitor, declare, fake_uuid, install, merge

ACCOUNT = "111122223333"
REGION = "eu-west-1"
OPERATOR_ROLE = f"arn:aws:iam::{ACCOUNT}:role/platform-operators"
ISSUER = f"https://oidc.eks.{REGION}.amazonaws.com/id/5E1B0C0A2D3F4E5A6B7C8D9E0F1A2B3C"
ENDPOINT = f"https://5E1B0C0A2D3F4E5A6B7C8D9E0F1A2B3C.gr7.{REGION}.eks.amazonaws.com"
CA_DATA = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="

BASE: dict[str, Any] = {
    "cloud": "aws",
    "region": REGION,
    "aws": {
        "accountId": ACCOUNT,
        "operatorRoleArn": OPERATOR_ROLE,
        "subnetIds": ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60719"],
        "kmsDeletionWindowDays": 7,
    },
    "cluster": {
        "name": "secrets-dev",
        "kubernetesVersion": "1.31",
        "nodeCount": 2,
        "publicAccessCidrs": ["203.0.113.0/24"],
        "logRetentionDays": 30,
    },
    "operators": {"group": "platform-operators"},
    "bff": {
        "hostname": "bff.dev.example.com",
        "tlsSecret": "bff-tls",
        "oauthIssuer": "https://auth.dev.example.com/",
        "oauthAudience": "shopper-apps",
    },
    "alerting": {"email": "secops-dev@example.com"},
}


def stack(changes: dict[str, Any] | None = None) -> StackConfig:
    """The happy-path stack, with one change when a test needs it."""
    return StackConfig.model_validate(merge(BASE, changes or {}))


# --- the mock runtime ----------------------------------------------------------------------------


class AwsMocks(pulumi.runtime.Mocks):
    """Provider outputs shaped as pulumi-aws returns them, for every output the component reads."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        if args.typ == "aws:kms/key:Key":
            key_id = fake_uuid(args.name)
            arn = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"
            return key_id, {**inputs, "arn": arn, "keyId": key_id}
        if args.typ == "aws:iam/role:Role":
            role = f"{args.name}-{fake_uuid(args.name)[:7]}"
            return role, {**inputs, "name": role, "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}"}
        if args.typ == "aws:cloudwatch/logGroup:LogGroup":
            arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{inputs['name']}"
            return inputs["name"], {**inputs, "arn": arn}
        if args.typ == "aws:eks/cluster:Cluster":
            name = inputs["name"]
            return name, {
                **inputs,
                "arn": f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{name}",
                "endpoint": ENDPOINT,
                "certificateAuthority": {"data": CA_DATA},
                "identities": [{"oidcs": [{"issuer": ISSUER}]}],
                "status": "ACTIVE",
            }
        if args.typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{inputs['url'].removeprefix('https://')}"
            return arn, {**inputs, "arn": arn}
        if args.typ == "aws:eks/accessEntry:AccessEntry":
            entry = f"{inputs['clusterName']}:{inputs['principalArn']}"
            return entry, {**inputs, "accessEntryArn": f"arn:aws:eks:{REGION}:{ACCOUNT}:access-entry/{entry}"}
        return f"{args.name}-id", inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return {}, []


@pytest.fixture(scope="module")
def monitor() -> CapturingMonitor:
    return install(AwsMocks())


@pytest.fixture(autouse=True)
def _fresh_registrations(monitor: CapturingMonitor) -> None:
    monitor.registrations.clear()


def _key_arn(role: str) -> str:
    return f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{fake_uuid(f'found-{role}-key')}"


# --- pure helpers, no mocks ----------------------------------------------------------------------


def test_args_need_the_aws_block() -> None:
    azure = merge(BASE, {"cloud": "azure"})
    azure.pop("aws")
    with pytest.raises(ValueError, match="cloud: aws needs the secrets-platform:aws block"):
        foundation_args(StackConfig.model_validate(azure))


def test_happy_args_have_no_problem() -> None:
    assert check_foundation_args(foundation_args(stack())) == []


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"region": ""}, "region '' is not an AWS region such as eu-west-1 (aws:region)"),
        ({"cluster": {"logRetentionDays": 100}}, "cluster.logRetentionDays is 100, which CloudWatch Logs"),
        (
            {"operators": {"group": "system:masters"}},
            "operators.group is 'system:masters'; EKS access entries",
        ),
    ],
)
def test_args_refused(changes: dict[str, Any], problem: str) -> None:
    problems = check_foundation_args(foundation_args(stack(changes)))
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_key_policy_keeps_root_admin_and_gives_operators_no_crypto() -> None:
    policy = json.loads(key_policy(ACCOUNT, OPERATOR_ROLE))
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    root = by_sid["EnableRootAccountAdministration"]
    assert root["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "the account root must own the key"
    assert root["Action"] == "kms:*", "the account root must keep full administration"
    operator = by_sid["AllowOperatorKeyAdministration"]
    assert operator["Principal"] == {"AWS": OPERATOR_ROLE}, "the operator role must administer the key"
    crypto = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant"}
    assert not crypto & set(operator["Action"]), "the operator role must not use or grant the key"
    assert set(by_sid) == {"EnableRootAccountAdministration", "AllowOperatorKeyAdministration"}, (
        "the secrets key must not name any service principal"
    )


def test_key_policy_has_no_wildcard_beyond_the_root_statement() -> None:
    log_group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/eks/secrets-dev/cluster"
    policy = json.loads(key_policy(ACCOUNT, OPERATOR_ROLE, logs_region=REGION, log_group_arns=[log_group]))
    for statement in policy["Statement"][1:]:
        actions = statement["Action"]
        assert all("*" not in action for action in actions), f"{statement['Sid']} must list its actions"
        assert "*" not in json.dumps(statement["Principal"]), f"{statement['Sid']} must name its principal"


def test_store_key_policy_lets_cloudwatch_logs_use_it_for_the_cluster_log_group_only() -> None:
    log_group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/eks/secrets-dev/cluster"
    policy = json.loads(key_policy(ACCOUNT, OPERATOR_ROLE, logs_region=REGION, log_group_arns=[log_group]))
    logs = next(
        s for s in policy["Statement"] if s["Principal"] == {"Service": f"logs.{REGION}.amazonaws.com"}
    )
    assert {"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"} <= set(logs["Action"]), (
        "CloudWatch Logs must be able to encrypt and decrypt with the store key"
    )
    assert logs["Condition"] == {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": [log_group]}}, (
        "CloudWatch Logs may use the store key only for the cluster's log group"
    )


AUDIT_TRAIL = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/secrets-dev-secrets-audit"
AUDIT_LOG_GROUP = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/cloudtrail/secrets-dev"
CLUSTER_LOG_GROUP = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/eks/secrets-dev/cluster"


def _audit_store_policy() -> dict[str, Any]:
    return json.loads(
        key_policy(
            ACCOUNT,
            OPERATOR_ROLE,
            logs_region=REGION,
            log_group_arns=[CLUSTER_LOG_GROUP, AUDIT_LOG_GROUP],
            cloudtrail_trail_arns=[AUDIT_TRAIL],
            alarm_topic_services=ALARM_TOPIC_SERVICES,
        )
    )


def test_key_policy_lets_cloudtrail_encrypt_only_for_the_audit_trail() -> None:
    by_sid = {s["Sid"]: s for s in _audit_store_policy()["Statement"]}
    assert by_sid["AllowCloudTrailToEncryptTheAuditTrail"] == {
        "Sid": "AllowCloudTrailToEncryptTheAuditTrail",
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": ["kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {
                "aws:SourceArn": [AUDIT_TRAIL],
                "kms:EncryptionContext:aws:cloudtrail:arn": [AUDIT_TRAIL],
            }
        },
    }, "CloudTrail may encrypt with the store key only for the audit trail"
    assert by_sid["AllowCloudTrailToDescribeTheKey"] == {
        "Sid": "AllowCloudTrailToDescribeTheKey",
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": ["kms:DescribeKey"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceArn": [AUDIT_TRAIL]}},
    }, "CloudTrail may describe the store key only for the audit trail"


def test_key_policy_lets_alarms_use_the_encrypted_topic_from_this_account_only() -> None:
    by_sid = {s["Sid"]: s for s in _audit_store_policy()["Statement"]}
    assert by_sid["AllowAlarmsToUseTheEncryptedTopic"] == {
        "Sid": "AllowAlarmsToUseTheEncryptedTopic",
        "Effect": "Allow",
        "Principal": {"Service": ["cloudwatch.amazonaws.com", "sns.amazonaws.com"]},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    }, "CloudWatch and SNS may use the store key for the alarm topic, on behalf of this account only"


def test_key_policy_with_audit_grants_has_no_wildcard_beyond_the_root_statement() -> None:
    for statement in _audit_store_policy()["Statement"][1:]:
        assert all("*" not in action for action in statement["Action"]), f"{statement['Sid']} wildcard"
        assert "*" not in json.dumps(statement["Principal"]), f"{statement['Sid']} must name its principal"
        assert statement["Sid"] == "AllowOperatorKeyAdministration" or statement["Condition"], (
            f"{statement['Sid']} must be conditioned on the resource it serves"
        )


def test_key_admin_actions_are_explicit() -> None:
    assert all("*" not in action for action in KEY_ADMIN_ACTIONS), "KEY_ADMIN_ACTIONS must not use wildcards"


def test_kubeconfig_gets_a_token_from_the_aws_cli() -> None:
    config = json.loads(kubeconfig("secrets-dev", ENDPOINT, CA_DATA, REGION))
    user = config["users"][0]["user"]
    assert set(user) == {"exec"}, "the kubeconfig must hold no static credential"
    assert user["exec"]["command"] == "aws", "the token must come from the AWS CLI"
    assert user["exec"]["args"][:2] == ["eks", "get-token"], "the token must come from `aws eks get-token`"
    assert user["exec"]["args"][2:6] == ["--cluster-name", "secrets-dev", "--region", REGION], (
        "`aws eks get-token` must name the cluster and its region"
    )
    assert config["clusters"][0]["cluster"] == {"server": ENDPOINT, "certificate-authority-data": CA_DATA}, (
        "the kubeconfig must trust the cluster's own CA"
    )


# --- the component under mocks -------------------------------------------------------------------


def test_refused_before_any_resource_exists(monitor: CapturingMonitor) -> None:
    with pytest.raises(ValueError, match="logRetentionDays"):
        AwsFoundation("refused", foundation_args(stack({"cluster": {"logRetentionDays": 100}})))
    assert not monitor.registrations, "a refused stack must not register any resource"


@pulumi.runtime.test
def test_keys_rotate_and_are_protected(monitor: CapturingMonitor) -> Any:
    foundation = AwsFoundation("found", foundation_args(stack()))

    def check(_: Any) -> None:
        for role in ("secrets", "store"):
            key = monitor.get("aws:kms/key:Key", f"found-{role}-key")
            assert key.inputs["enableKeyRotation"] is True, f"found-{role}-key must rotate"
            assert key.inputs["rotationPeriodInDays"] == KMS_ROTATION_PERIOD_DAYS, (
                f"found-{role}-key must rotate every {KMS_ROTATION_PERIOD_DAYS} days"
            )
            assert key.inputs["deletionWindowInDays"] == 7, f"found-{role}-key must use the stack's window"
            assert key.protect, f"found-{role}-key must be protected"

    return pulumi.Output.all(foundation.secrets_key_id, foundation.store_key_id).apply(check)


def test_aliases_name_the_cluster(monitor: CapturingMonitor) -> None:
    declare(lambda: AwsFoundation("found", foundation_args(stack())))
    for role in ("secrets", "store"):
        alias = monitor.get("aws:kms/alias:Alias", f"found-{role}-alias")
        assert alias.inputs["name"] == f"alias/secrets-dev-{role}", f"found-{role}-alias name"
        assert alias.inputs["targetKeyId"] == fake_uuid(f"found-{role}-key"), (
            f"found-{role}-alias must target its key"
        )


@pulumi.runtime.test
def test_cluster_encrypts_secrets_with_the_secrets_key(monitor: CapturingMonitor) -> Any:
    foundation = AwsFoundation("found", foundation_args(stack()))

    def check(_: Any) -> None:
        cluster = monitor.get("aws:eks/cluster:Cluster", "found-cluster")
        assert cluster.inputs["encryptionConfig"] == {
            "provider": {"keyArn": _key_arn("secrets")},
            "resources": ["secrets"],
        }, "found-cluster must envelope-encrypt Secrets with the secrets key"
        assert cluster.inputs["enabledClusterLogTypes"] == ["api", "audit", "authenticator"], (
            "found-cluster must log api, audit and authenticator"
        )
        assert cluster.inputs["accessConfig"] == {
            "authenticationMode": "API",
            "bootstrapClusterCreatorAdminPermissions": False,
        }, "found-cluster must use access entries only, with no implicit creator admin"
        assert cluster.inputs["version"] == "1.31", "found-cluster version"
        log_group = monitor.get("aws:cloudwatch/logGroup:LogGroup", "found-cluster-logs")
        assert log_group.urn in cluster.dependencies, "found-cluster must wait for its encrypted log group"

    return foundation.cluster.urn.apply(check)


@pulumi.runtime.test
def test_cluster_endpoint_is_public_only_to_listed_networks(monitor: CapturingMonitor) -> Any:
    foundation = AwsFoundation("found", foundation_args(stack()))

    def check(_: Any) -> None:
        vpc = monitor.get("aws:eks/cluster:Cluster", "found-cluster").inputs["vpcConfig"]
        assert vpc["endpointPrivateAccess"] is True, "found-cluster must have a private endpoint"
        assert vpc["endpointPublicAccess"] is True, "found-cluster must be public to the listed networks"
        assert vpc["publicAccessCidrs"] == ["203.0.113.0/24"], "found-cluster must list its public networks"
        assert vpc["subnetIds"] == BASE["aws"]["subnetIds"], "found-cluster subnets"

    return foundation.cluster.urn.apply(check)


@pulumi.runtime.test
def test_cluster_endpoint_is_private_without_networks(monitor: CapturingMonitor) -> Any:
    foundation = AwsFoundation("found", foundation_args(stack({"cluster": {"publicAccessCidrs": []}})))

    def check(_: Any) -> None:
        vpc = monitor.get("aws:eks/cluster:Cluster", "found-cluster").inputs["vpcConfig"]
        assert vpc["endpointPublicAccess"] is False, "found-cluster must have no public endpoint"
        assert "publicAccessCidrs" not in vpc, "found-cluster must not list public networks"

    return foundation.cluster.urn.apply(check)


@pulumi.runtime.test
def test_log_group_is_encrypted_with_the_store_key(monitor: CapturingMonitor) -> Any:
    foundation = AwsFoundation("found", foundation_args(stack()))

    def check(_: Any) -> None:
        log_group = monitor.get("aws:cloudwatch/logGroup:LogGroup", "found-cluster-logs")
        assert log_group.inputs["name"] == "/aws/eks/secrets-dev/cluster", "found-cluster-logs name"
        assert log_group.inputs["kmsKeyId"] == _key_arn("store"), "found-cluster-logs must use the store key"
        assert log_group.inputs["retentionInDays"] == 30, "found-cluster-logs retention"
        store = json.loads(monitor.get("aws:kms/key:Key", "found-store-key").inputs["policy"])
        allowed = next(s for s in store["Statement"] if s["Sid"] == "AllowCloudWatchLogsOfThisPlatform")
        condition = allowed["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"]
        rotation = "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/secrets-dev-secret-rotation"
        database = (
            "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/rds/instance/secrets-dev-cms/postgresql"
        )
        containers = (
            "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/containerinsights/secrets-dev/application"
        )
        assert condition == [CLUSTER_LOG_GROUP, AUDIT_LOG_GROUP, rotation, database, containers], (
            "found-store-key must let CloudWatch Logs use it for the cluster's, the audit's, the rotation "
            "Lambda's, the CMS database's and the containers' log groups, and no other"
        )

    return foundation.cluster.urn.apply(check)


@pulumi.runtime.test
def test_store_key_names_the_audit_trail_and_the_secrets_key_does_not(monitor: CapturingMonitor) -> Any:
    foundation = AwsFoundation("found", foundation_args(stack()))

    def check(_: Any) -> None:
        store = json.loads(monitor.get("aws:kms/key:Key", "found-store-key").inputs["policy"])
        by_sid = {s["Sid"]: s for s in store["Statement"]}
        encrypt = by_sid["AllowCloudTrailToEncryptTheAuditTrail"]["Condition"]["StringEquals"]
        assert encrypt["aws:SourceArn"] == [AUDIT_TRAIL], "found-store-key must name the audit trail"
        topic = by_sid["AllowAlarmsToUseTheEncryptedTopic"]
        assert topic["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}, (
            "found-store-key must serve the alarm topic of this account only"
        )
        secrets = json.loads(monitor.get("aws:kms/key:Key", "found-secrets-key").inputs["policy"])
        assert not any("Service" in s["Principal"] for s in secrets["Statement"]), (
            "found-secrets-key must not name any service principal"
        )

    return foundation.cluster.urn.apply(check)


@pulumi.runtime.test
def test_cluster_role_is_assumable_by_eks_only(monitor: CapturingMonitor) -> Any:
    foundation = AwsFoundation("found", foundation_args(stack()))

    def check(_: Any) -> None:
        role = monitor.get("aws:iam/role:Role", "found-cluster-role")
        trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert trust == [
            {
                "Effect": "Allow",
                "Principal": {"Service": "eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ], "found-cluster-role must trust EKS only"
        attachment = monitor.get(
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "found-cluster-role-eks-policy"
        )
        assert attachment.inputs["policyArn"] == "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy", (
            "found-cluster-role must have AmazonEKSClusterPolicy"
        )

    return foundation.cluster.urn.apply(check)


@pulumi.runtime.test
def test_operator_role_is_cluster_admin(monitor: CapturingMonitor) -> Any:
    foundation = AwsFoundation("found", foundation_args(stack()))

    def check(_: Any) -> None:
        entry = monitor.get("aws:eks/accessEntry:AccessEntry", "found-operator-access")
        assert entry.inputs["principalArn"] == OPERATOR_ROLE, (
            "found-operator-access must be the operator role"
        )
        assert entry.inputs["kubernetesGroups"] == ["platform-operators"], "found-operator-access group"
        admin = monitor.get("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "found-operator-admin")
        assert admin.inputs["policyArn"].endswith("/AmazonEKSClusterAdminPolicy"), (
            "found-operator-admin policy"
        )
        assert admin.inputs["accessScope"] == {"type": "cluster"}, "found-operator-admin must be cluster-wide"
        provider = monitor.get("pulumi:providers:kubernetes", "found-k8s")
        assert admin.urn in provider.dependencies, "found-k8s must wait until the operator role is admin"

    return foundation.kubernetes_provider.urn.apply(check)


@pulumi.runtime.test
def test_kubernetes_provider_kubeconfig_is_a_secret(monitor: CapturingMonitor) -> Any:
    foundation = AwsFoundation("found", foundation_args(stack()))

    def check(_: Any) -> None:
        provider = monitor.get("pulumi:providers:kubernetes", "found-k8s")
        wrapped = provider.inputs["kubeconfig"]
        assert rpc.is_rpc_secret(wrapped), "found-k8s kubeconfig must be a secret"
        config = json.loads(rpc.unwrap_rpc_secret(wrapped))
        assert config["clusters"][0]["cluster"]["server"] == ENDPOINT, (
            "found-k8s must reach the cluster endpoint"
        )
        assert config["users"][0]["user"]["exec"]["args"][3] == "secrets-dev", "found-k8s token cluster"
        assert provider.inputs["enableServerSideApply"] == "true", "found-k8s must use server-side apply"

    return foundation.kubernetes_provider.urn.apply(check)


@pulumi.runtime.test
def test_oidc_provider_and_outputs(monitor: CapturingMonitor) -> Any:
    foundation = AwsFoundation("found", foundation_args(stack()))

    def check(values: list[Any]) -> None:
        issuer, provider_arn, secrets_key, cluster_name = values
        oidc = monitor.get("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "found-oidc")
        assert oidc.inputs["url"] == ISSUER, "found-oidc must trust the cluster's issuer"
        assert oidc.inputs["clientIdLists"] == ["sts.amazonaws.com"], "found-oidc audience"
        assert issuer == ISSUER.removeprefix("https://"), "oidc_issuer must drop https://"
        assert provider_arn == f"arn:aws:iam::{ACCOUNT}:oidc-provider/{issuer}", "oidc_provider_arn"
        assert secrets_key == _key_arn("secrets"), "secrets_key_id must be the secrets key ARN"
        assert cluster_name == "secrets-dev", "cluster_name"

    return pulumi.Output.all(
        foundation.oidc_issuer,
        foundation.oidc_provider_arn,
        foundation.secrets_key_id,
        foundation.cluster_name,
    ).apply(check)


@pulumi.runtime.test
def test_node_group_has_the_configured_size(monitor: CapturingMonitor) -> Any:
    foundation = AwsFoundation(
        "found", foundation_args(stack({"cluster": {"nodeCount": 3, "nodeSize": "m6i.large"}}))
    )

    def check(_: Any) -> None:
        nodes = monitor.get("aws:eks/nodeGroup:NodeGroup", "found-nodes")
        assert nodes.inputs["scalingConfig"] == {"desiredSize": 3, "minSize": 3, "maxSize": 3}, (
            "found-nodes size"
        )
        assert nodes.inputs["instanceTypes"] == ["m6i.large"], "found-nodes instance type"
        policies = {
            monitor.get("aws:iam/rolePolicyAttachment:RolePolicyAttachment", f"found-node-role-{s}").inputs[
                "policyArn"
            ]
            for s in ("worker", "ecr-read", "cni")
        }
        assert policies == {
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
            "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        }, "found-node-role policies"

    return foundation.node_group.urn.apply(check)
