"""A Secrets Manager secret that nothing rotates."""

from __future__ import annotations

import pulumi_aws as aws

EXPECTED = {"stack-secret-rotation-coverage"}
KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def program() -> None:
    aws.secretsmanager.Secret("orders-queue", name="orders-queue", kms_key_id=KEY_ARN)
