"""A Secrets Manager secret rotated every 120 days, where prod allows 30 and dev 90."""

from __future__ import annotations

import pulumi_aws as aws

EXPECTED = {"aws-secretsmanager-rotation-schedule"}
KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def program() -> None:
    secret = aws.secretsmanager.Secret("orders-queue", name="orders-queue", kms_key_id=KEY_ARN)
    aws.secretsmanager.SecretRotation(
        "orders-queue-rotation",
        secret_id=secret.id,
        rotation_lambda_arn="arn:aws:lambda:eu-west-1:111122223333:function:rotate",
        rotation_rules={"automatically_after_days": 120},
    )
