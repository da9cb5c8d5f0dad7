"""An IAM policy granting every Secrets Manager action on every secret."""

from __future__ import annotations

import json

import pulumi_aws as aws

EXPECTED = {"aws-iam-policy-secrets-wildcards"}


def program() -> None:
    aws.iam.Policy(
        "reader",
        policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}],
            }
        ),
    )
