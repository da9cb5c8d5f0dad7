"""SecretSyncIdentity: the IAM role ESO assumes to read one workload's Secrets Manager secrets.

The documents are checked three ways: statement by statement (exact actions, resources and
conditions), with parliament for the inline identity policy, and with the policy pack's own
`aws-iam-role-web-identity-subject` rule for the trust policy. Parliament lints identity policies
only: it reads a trust policy as a malformed identity policy (no `Resource`) and does not know EKS
OIDC providers as federation sources, so it cannot judge one (see the test that pins exactly that).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pytest
from parliament import analyze_policy_string

from components.aws.workload_identity import (
    ROLE_ARN_ANNOTATION,
    SecretSyncIdentity,
    SecretSyncIdentityArgs,
    SyncIdentityPolicies,
    check_identity_args,
    identity_policies,
    secret_read_policy,
    trust_policy,
)
from components.kubernetes.sync_identity import sync_service_account_name
from config.models import StackConfig
from offline.mocks import ACCOUNT
from offline.plan import find_dropped, find_leaks
from offline.runtime import Capture
from policies.least_privilege import AWS_IAM_POLICY_SECRETS_WILDCARDS, AWS_IAM_ROLE_WEB_IDENTITY_SUBJECT
from tests.components._support import by_name, of_type, refused, run, stack_config
from tests.policies.conftest import judge, violations

REGION = "eu-west-1"
ISSUER = f"oidc.eks.{REGION}.amazonaws.com/id/5E1B0C0A2D3F4E5A6B7C8D9E0F1A2B3C"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-4cde-8f01-1234567890ab"
QUEUE_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:orders-queue-AbC123"
BROKER_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:orders-broker-XyZ789"
SUBJECT = "system:serviceaccount:orders:orders-api-secret-sync"


def _policies(**changes: Any) -> SyncIdentityPolicies:
    args: dict[str, Any] = {
        "oidc_provider_arn": PROVIDER_ARN,
        "oidc_issuer": ISSUER,
        "namespace": "orders",
        "service_account": "orders-api-secret-sync",
        "secret_arns": [QUEUE_ARN, BROKER_ARN],
        "store_key_arn": KEY_ARN,
        "region": REGION,
    }
    args.update(changes)
    return identity_policies(**args)


def _statements(document: str) -> list[dict[str, Any]]:
    parsed = json.loads(document)
    assert parsed["Version"] == "2012-10-17"
    return parsed["Statement"]


# --- the documents, without Pulumi ------------------------------------------------------------------------


def test_trust_policy_trusts_exactly_one_service_account_of_one_namespace() -> None:
    [statement] = _statements(_policies().trust)
    assert statement == {
        "Sid": "AssumeFromOneServiceAccount",
        "Effect": "Allow",
        "Principal": {"Federated": PROVIDER_ARN},
        "Action": ["sts:AssumeRoleWithWebIdentity"],
        "Condition": {
            "StringEquals": {f"{ISSUER}:sub": SUBJECT, f"{ISSUER}:aud": "sts.amazonaws.com"},
        },
    }


def test_trust_policy_takes_the_issuer_with_or_without_its_scheme() -> None:
    assert _policies(oidc_issuer=f"https://{ISSUER}").trust == _policies().trust


def test_inline_policy_reads_exactly_the_granted_secrets() -> None:
    read, _ = _statements(_policies().permissions)
    assert read == {
        "Sid": "ReadGrantedSecrets",
        "Effect": "Allow",
        "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
        "Resource": sorted([BROKER_ARN, QUEUE_ARN]),
    }


def test_inline_policy_decrypts_with_the_store_key_only_through_secrets_manager() -> None:
    _, decrypt = _statements(_policies().permissions)
    assert decrypt == {
        "Sid": "DecryptThroughSecretsManager",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": [KEY_ARN],
        "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}},
    }


def test_inline_policy_lists_a_granted_arn_once() -> None:
    read, _ = _statements(secret_read_policy([QUEUE_ARN, QUEUE_ARN], KEY_ARN, REGION))
    assert read["Resource"] == [QUEUE_ARN]


def test_parliament_finds_nothing_in_the_inline_policy() -> None:
    findings = analyze_policy_string(_policies().permissions, include_community_auditors=True).findings
    assert [(f.issue, f.detail) for f in findings] == []


def test_parliament_reports_a_wildcard_resource_so_the_check_above_can_fail() -> None:
    document = json.loads(_policies().permissions)
    document["Statement"][1]["Resource"] = "*"
    findings = analyze_policy_string(json.dumps(document), include_community_auditors=True).findings
    assert "RESOURCE_STAR" in {f.issue for f in findings}


def test_parliament_cannot_judge_a_trust_policy() -> None:
    """Why trust policies are checked with the pack's web-identity rule instead of parliament."""
    findings = analyze_policy_string(_policies().trust, include_community_auditors=True).findings
    assert {f.issue for f in findings} == {"MALFORMED", "UNKNOWN_FEDERATION_SOURCE"}


def test_the_pack_accepts_this_trust_policy_and_refuses_a_looser_one() -> None:
    trust = json.loads(_policies().trust)

    def variant(change: Callable[[dict[str, Any]], object]) -> str:
        document = json.loads(json.dumps(trust))
        change(document["Statement"][0]["Condition"])
        return json.dumps(document)

    def like(condition: dict[str, Any]) -> None:
        condition["StringLike"] = condition.pop("StringEquals")
        condition["StringLike"][f"{ISSUER}:sub"] = "system:serviceaccount:orders:*"

    def body() -> None:
        aws.iam.Role("passed-1", assume_role_policy=json.dumps(trust))
        aws.iam.Role("failed-1", assume_role_policy=variant(like))
        aws.iam.Role("failed-2", assume_role_policy=variant(lambda c: c["StringEquals"].pop(f"{ISSUER}:aud")))

    judge(AWS_IAM_ROLE_WEB_IDENTITY_SUBJECT, body)


# --- check_identity_args: one change of the happy path per test -------------------------------------------


def _args(stack: StackConfig | None = None, **changes: Any) -> SecretSyncIdentityArgs:
    stack = stack or stack_config()
    args = SecretSyncIdentityArgs(
        workload=stack.workload("orders-api"),
        secret_arns={"orders-queue": QUEUE_ARN},
        oidc_provider_arn=PROVIDER_ARN,
        oidc_issuer=ISSUER,
        store_key_arn=KEY_ARN,
        region=REGION,
    )
    return replace(args, **changes)


def test_check_identity_args_accepts_the_happy_path() -> None:
    assert check_identity_args(_args()) == []


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"secret_arns": {}}, "no secret is granted"),
        (
            {"secret_arns": {"orders-queue": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:*"}},
            "is not the exact ARN of a Secrets Manager secret",
        ),
        ({"secret_arns": {"orders-queue": KEY_ARN}}, "is not the exact ARN of a Secrets Manager secret"),
        ({"region": "Ireland"}, "is not an AWS region"),
    ],
)
def test_check_identity_args_refuses(changes: dict[str, Any], problem: str) -> None:
    problems = check_identity_args(_args(**changes))
    assert any(problem in p for p in problems), problems
    assert all(p.startswith("secret sync identity of 'orders-api': ") for p in problems)


def test_a_refused_identity_declares_nothing() -> None:
    message, capture = refused(lambda: SecretSyncIdentity("sync", _args(secret_arns={})))
    assert "no secret is granted" in message
    assert capture.resources == [], "arguments are checked before any resource exists"


# --- the component under the offline engine ----------------------------------------------------------------


@pytest.fixture(scope="module")
def seen() -> dict[str, str]:
    """Outputs as the offline mocks resolved them, recorded by the program."""
    return {}


@pytest.fixture(scope="module")
def capture(seen: dict[str, str]) -> Capture:
    def record(key: str, output: pulumi.Output[str]) -> None:
        output.apply(lambda value: seen.__setitem__(key, value))

    def program() -> None:
        stack = stack_config()
        provider = aws.iam.OpenIdConnectProvider(
            "oidc", url=f"https://{ISSUER}", client_id_lists=["sts.amazonaws.com"]
        )
        key = aws.kms.Key("store-key", enable_key_rotation=True)
        queue = aws.secretsmanager.Secret("orders-queue", name="orders-queue", kms_key_id=key.arn)
        identity = SecretSyncIdentity(
            "orders-sync",
            SecretSyncIdentityArgs(
                workload=stack.workload("orders-api"),
                secret_arns={"orders-queue": queue.arn},
                oidc_provider_arn=provider.arn,
                oidc_issuer=ISSUER,
                store_key_arn=key.arn,
                region=REGION,
            ),
        )
        for name, output in {
            "provider": provider.arn,
            "key": key.arn,
            "queue": queue.arn,
            "role_arn": identity.role_arn,
            "role_name": identity.role_name,
            "service_account": identity.service_account_name,
            "namespace": identity.namespace,
        }.items():
            record(name, output)

    return run(program)


def test_component_type_and_children(capture: Capture) -> None:
    component = by_name(capture, "orders-sync")
    role = by_name(capture, "orders-sync-role")
    assert component.type == "secrets-platform:aws_workload_identity:SecretSyncIdentity"
    assert role.parent == component.urn and by_name(capture, "orders-sync-sa").parent == component.urn
    policy = by_name(capture, "orders-sync-read-secrets")
    assert policy.type == "aws:iam/rolePolicy:RolePolicy"
    assert policy.parent == role.urn, f"{policy.urn} is nested under its role"


def test_role_trust_policy_is_built_from_the_provider_arn(capture: Capture, seen: dict[str, str]) -> None:
    role = by_name(capture, "orders-sync-role")
    assert seen["provider"] == PROVIDER_ARN
    expected = trust_policy(seen["provider"], ISSUER, "orders", "orders-api-secret-sync")
    assert role.inputs["assumeRolePolicy"] == expected, f"{role.urn}: trust policy"
    assert by_name(capture, "oidc").urn in role.dependencies, f"{role.urn} must wait for the OIDC provider"
    assert role.inputs["maxSessionDuration"] == 3600, role.urn
    assert "inlinePolicies" not in role.inputs, f"{role.urn}: the read policy is a RolePolicy"


def test_inline_policy_names_the_secret_and_key_arns(capture: Capture, seen: dict[str, str]) -> None:
    policy = by_name(capture, "orders-sync-read-secrets")
    assert seen["queue"].startswith(f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:orders-queue-")
    assert seen["key"].startswith(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/")
    assert policy.inputs["policy"] == secret_read_policy([seen["queue"]], seen["key"], REGION), policy.urn
    assert policy.inputs["role"] == seen["role_name"], f"{policy.urn} is attached to the sync role"
    for dependency in ("orders-queue", "store-key", "orders-sync-role"):
        assert by_name(capture, dependency).urn in policy.dependencies, f"{policy.urn} waits for {dependency}"


def test_service_account_is_annotated_with_the_role_arn_and_mounts_no_token(
    capture: Capture, seen: dict[str, str]
) -> None:
    account = by_name(capture, "orders-sync-sa")
    metadata = account.inputs["metadata"]
    assert seen["role_arn"] == f"arn:aws:iam::{ACCOUNT}:role/{seen['role_name']}"
    assert metadata["annotations"] == {ROLE_ARN_ANNOTATION: seen["role_arn"]}, account.urn
    assert by_name(capture, "orders-sync-role").urn in account.dependencies, (
        f"{account.urn} waits for the role"
    )
    assert metadata["name"] == sync_service_account_name("orders-api") == "orders-api-secret-sync"
    assert metadata["namespace"] == "orders"
    assert account.inputs["automountServiceAccountToken"] is False, account.urn
    assert (seen["service_account"], seen["namespace"]) == ("orders-api-secret-sync", "orders")


def test_only_the_sync_identity_gets_aws_access(capture: Capture) -> None:
    accounts = of_type(capture, "kubernetes:core/v1:ServiceAccount")
    annotated = [
        a.name for a in accounts if ROLE_ARN_ANNOTATION in (a.inputs["metadata"].get("annotations") or {})
    ]
    assert annotated == ["orders-sync-sa"], "no ServiceAccount other than the sync one is given a role"
    assert [a.inputs["metadata"]["name"] for a in accounts] == ["orders-api-secret-sync"], (
        "the workload's own ServiceAccount is not annotated, so its pods get no AWS credentials"
    )


def test_the_policy_pack_finds_nothing_in_the_role_and_its_policy(capture: Capture) -> None:
    for policy in (AWS_IAM_ROLE_WEB_IDENTITY_SUBJECT, AWS_IAM_POLICY_SECRETS_WILDCARDS):
        assert violations(policy, capture) == {}, policy.name


def test_no_leak_and_no_dropped_input(capture: Capture) -> None:
    assert find_leaks(capture) == []
    assert find_dropped(capture) == []


def test_a_namespace_output_orders_the_service_account_after_the_namespace() -> None:
    def body() -> None:
        namespace = k8s.core.v1.Namespace("ns", metadata={"name": "orders"})
        SecretSyncIdentity("sync", _args(namespace=namespace.metadata.name))

    capture = run(body)
    account = by_name(capture, "sync-sa")
    assert by_name(capture, "ns").urn in account.dependencies, f"{account.urn} must wait for the namespace"
    assert account.inputs["metadata"]["namespace"] == "orders"
