"""AWS: identity policies, trust policies, resource policies, managed policies, EKS access, S3 blocks."""

from __future__ import annotations

import json

import pulumi_aws as aws
import pytest

from policies.least_privilege import (
    AWS_EKS_ACCESS_POLICY_ADMIN,
    AWS_IAM_MANAGED_POLICY_ATTACHMENT,
    AWS_IAM_POLICY_SECRETS_WILDCARDS,
    AWS_IAM_ROLE_TRUST_PRINCIPAL,
    AWS_IAM_ROLE_WEB_IDENTITY_SUBJECT,
    AWS_KMS_GRANT_GRANTEE,
    AWS_RESOURCE_POLICY_PUBLIC_PRINCIPAL,
    AWS_S3_BUCKET_PUBLIC_ACCESS_BLOCK,
)
from policies.least_privilege._iam import public_principal, restricting_condition
from tests.policies.conftest import judge, run, violations


def _document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ACCOUNT = "111122223333"
SECRET_ARN = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:payments-db-AbCdEf"
KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
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
            inline_policies=[{"name": "r", "policy": _document(READ_ONE)}],
        )
        aws.iam.Policy(
            "passed-5",
            policy=_document(
                {"Effect": "Allow", "NotAction": ["secretsmanager:*", "kms:*", "ssm:*"], "Resource": "*"}
            ),
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
                {"name": "r", "policy": _document({**READ_ONE, "Action": "secretsmanager:Get*"})}
            ],
        )
        aws.iam.Policy(
            "failed-6", policy=_document({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
        )
        aws.iam.Policy("failed-7", policy=_document({**READ_ONE, "Action": "*:*"}))
        aws.iam.Policy("failed-8", policy=_document({**READ_ONE, "Action": "SecretsManager:Get?ecretValue"}))
        aws.iam.Policy("failed-9", policy=_document({**READ_ONE, "Action": "*:GetSecretValue"}))
        aws.iam.UserPolicy("failed-10", user="u", policy=_document({**READ_ONE, "NotResource": SECRET_ARN}))

    judge(AWS_IAM_POLICY_SECRETS_WILDCARDS, body)


ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/ABC"


def _irsa(name: str, condition: dict, action: str = "sts:AssumeRoleWithWebIdentity") -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}"},
        "Action": action,
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
        _irsa("failed-5", {}, action="sts:*")

    judge(AWS_IAM_ROLE_WEB_IDENTITY_SUBJECT, body)


@pytest.mark.parametrize(
    ("principal", "public"),
    [
        ("*", True),
        ({"AWS": "*"}, True),
        ({"AWS": ["*"]}, True),
        ({"AWS": ["arn:aws:iam::111122223333:root", "*"]}, True),
        ({"Service": "*"}, True),
        ({"AWS": "arn:aws:iam::111122223333:root"}, False),
        ({"Service": "cloudtrail.amazonaws.com"}, False),
    ],
)
def test_public_principal_in_every_spelling(principal: object, public: bool) -> None:
    assert public_principal({"Effect": "Allow", "Principal": principal}) is public
    assert public_principal({"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}}) is True


@pytest.mark.parametrize(
    ("condition", "restricts"),
    [
        ({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}, True),
        ({"StringEquals": {"aws:SourceAccount": ACCOUNT}}, True),
        ({"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/*"}}, True),
        ({"StringEquals": {"kms:CallerAccount": ACCOUNT}}, True),
        ({"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}, False),  # absent key matches
        ({"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}, False),
        ({"StringLike": {"aws:PrincipalOrgID": "*"}}, False),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}}, False),
        ({"Bool": {"aws:SecureTransport": "true"}}, False),
        ({"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}, False),
        ({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}, False),
        ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, True),
    ],
)
def test_conditions_restrict_only_when_they_pin_the_caller(condition: dict, restricts: bool) -> None:
    assert restricting_condition({"Condition": condition}) is restricts


def test_iam_role_trust_principal() -> None:
    def trust(name: str, **statement: object) -> None:
        aws.iam.Role(
            name, assume_role_policy=_document({"Effect": "Allow", "Action": "sts:AssumeRole", **statement})
        )

    def body() -> None:
        aws.iam.Role("passed-1", assume_role_policy=EC2_TRUST)
        trust(
            "passed-2", Principal={"AWS": "*"}, Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}
        )
        trust("passed-3", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/deployer"})
        trust("failed-1", Principal="*")
        trust("failed-2", Principal={"AWS": ["*"]})
        trust("failed-3", NotPrincipal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
        trust("failed-4", Principal={"AWS": "*"}, Condition={"Bool": {"aws:SecureTransport": "true"}})
        trust("failed-5", Principal={"AWS": "*"}, Action="sts:*")

    judge(AWS_IAM_ROLE_TRUST_PRINCIPAL, body)


def test_resource_policy_public_principal() -> None:
    public = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}
    pinned = {**public, "Condition": {"StringEquals": {"kms:CallerAccount": ACCOUNT}}}

    def body() -> None:
        aws.kms.Key("passed-1", policy=_document(pinned))
        aws.s3.BucketPolicy(
            "passed-2",
            bucket="b",
            policy=_document(
                {**public, "Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
            ),
        )
        aws.lambda_.Permission(
            "passed-3", action="lambda:InvokeFunction", function="f", principal="secretsmanager.amazonaws.com"
        )
        aws.kms.Key("failed-1", policy=_document(public))
        aws.secretsmanager.SecretPolicy(
            "failed-2", secret_arn=SECRET_ARN, policy=_document({**public, "Principal": "*"})
        )
        aws.s3.BucketPolicy("failed-3", bucket="b", policy=_document({**public, "Principal": {"AWS": ["*"]}}))
        aws.sns.TopicPolicy(
            "failed-4",
            arn="arn:aws:sns:eu-west-1:1:t",
            policy=_document({**public, "NotPrincipal": {"AWS": "x"}}),
        )
        aws.kms.KeyPolicy(
            "failed-5",
            key_id="k",
            policy=_document({**public, "Condition": {"StringLike": {"kms:CallerAccount": "*"}}}),
        )
        aws.lambda_.Permission("failed-6", action="lambda:InvokeFunction", function="f", principal="*")
        aws.lambda_.Permission(
            "failed-7",
            action="lambda:InvokeFunctionUrl",
            function="f",
            principal="*",
            function_url_auth_type="NONE",
            source_account=ACCOUNT,
        )
        aws.secretsmanager.Secret("failed-8", policy=_document(public))

    judge(AWS_RESOURCE_POLICY_PUBLIC_PRINCIPAL, body)


def test_iam_managed_policy_attachment() -> None:
    def arn(name: str) -> str:
        return f"arn:aws:iam::aws:policy/{name}"

    def body() -> None:
        aws.iam.RolePolicyAttachment("passed-1", role="r", policy_arn=arn("AmazonEKSWorkerNodePolicy"))
        aws.iam.RolePolicyAttachment(
            "passed-2", role="r", policy_arn=f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess"
        )
        aws.iam.RolePolicyAttachment("failed-1", role="r", policy_arn=arn("AdministratorAccess"))
        aws.iam.UserPolicyAttachment("failed-2", user="u", policy_arn=arn("SecretsManagerReadWrite"))
        aws.iam.GroupPolicyAttachment("failed-3", group="g", policy_arn=arn("PowerUserAccess"))
        aws.iam.Role(
            "failed-4", assume_role_policy=EC2_TRUST, managed_policy_arns=[arn("AmazonSSMFullAccess")]
        )
        aws.iam.PolicyAttachment(
            "failed-5",
            policy_arn="arn:aws-us-gov:iam::aws:policy/job-function/SystemAdministrator",
            roles=["r"],
        )

    judge(AWS_IAM_MANAGED_POLICY_ATTACHMENT, body)


def test_eks_access_policy_admin() -> None:
    operators = f"arn:aws:iam::{ACCOUNT}:role/platform-operators"

    def associate(name: str, policy: str, principal: str) -> None:
        aws.eks.AccessPolicyAssociation(
            name,
            cluster_name="c",
            policy_arn=f"arn:aws:eks::aws:cluster-access-policy/{policy}",
            principal_arn=principal,
            access_scope={"type": "cluster"},
        )

    def body() -> None:
        associate("passed-1", "AmazonEKSClusterAdminPolicy", operators)
        associate("passed-2", "AmazonEKSViewPolicy", f"arn:aws:iam::{ACCOUNT}:role/ci")
        aws.eks.AccessEntry(
            "passed-3", cluster_name="c", principal_arn=operators, kubernetes_groups=["platform-operators"]
        )
        associate("failed-1", "AmazonEKSClusterAdminPolicy", f"arn:aws:iam::{ACCOUNT}:role/payments-api")
        associate("failed-2", "AmazonEKSAdminViewPolicy", f"arn:aws:iam::{ACCOUNT}:role/ci")
        aws.eks.AccessEntry(
            "failed-3", cluster_name="c", principal_arn=operators, kubernetes_groups=["system:masters"]
        )

    judge(AWS_EKS_ACCESS_POLICY_ADMIN, body, {"allowedPrincipalArns": [operators]})


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


def _grant(name: str, operations: list[str], grantee: str = "arn:aws:iam::111122223333:role/reports") -> None:
    aws.kms.Grant(
        name,
        key_id="arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        grantee_principal=grantee,
        operations=operations,
    )


def test_kms_grants_give_no_decrypt_outside_the_allow_list() -> None:
    def body() -> None:
        _grant("passed-1", ["Encrypt", "DescribeKey"])  # cannot read what the key protects
        _grant("passed-2", ["Decrypt"], grantee="arn:aws:iam::111122223333:role/ebs-service")
        _grant("failed-1", ["Decrypt"])
        _grant("failed-2", ["Encrypt", "GenerateDataKey"])
        _grant("failed-3", ["CreateGrant"])  # passes decrypt on to whoever it likes
        _grant("failed-4", ["ReEncryptFrom", "DescribeKey"], grantee="arn:aws:iam::999999999999:root")

    found = judge(
        AWS_KMS_GRANT_GRANTEE, body, {"allowedGranteeArns": ["arn:aws:iam::111122223333:role/ebs-*"]}
    )
    assert "GenerateDataKey" in found["failed-2"][0] and "999999999999" not in found["failed-4"][0]
