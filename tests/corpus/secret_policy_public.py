"""A Secrets Manager resource policy that lets anyone read the secret."""

from __future__ import annotations

import json

import pulumi_aws as aws

from tests.corpus._safe import SECRET_ARN

EXPECTED = {"aws-resource-policy-public-principal"}


def program() -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": ["*"]},
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*",
    }
    aws.secretsmanager.SecretPolicy(
        "payments-db-policy",
        secret_arn=SECRET_ARN,
        policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )
