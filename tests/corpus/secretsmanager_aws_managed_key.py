"""A rotated Secrets Manager secret encrypted with the AWS-managed key."""

from __future__ import annotations

import pulumi_aws as aws

EXPECTED = {"aws-secretsmanager-secret-kms"}


def program() -> None:
    secret = aws.secretsmanager.Secret(
        "orders-queue", name="orders-queue", kms_key_id="alias/aws/secretsmanager"
    )
    aws.secretsmanager.SecretRotation(
        "orders-queue-rotation",
        secret_id=secret.id,
        rotation_lambda_arn="arn:aws:lambda:eu-west-1:111122223333:function:rotate",
        rotation_rules={"automatically_after_days": 30},
    )
