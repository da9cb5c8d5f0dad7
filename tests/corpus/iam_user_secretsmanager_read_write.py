"""An IAM user attached SecretsManagerReadWrite: every secret of the account."""

from __future__ import annotations

import pulumi_aws as aws

EXPECTED = {"aws-iam-managed-policy-attachment"}


def program() -> None:
    aws.iam.UserPolicyAttachment(
        "ci-secrets", user="ci", policy_arn="arn:aws:iam::aws:policy/SecretsManagerReadWrite"
    )
