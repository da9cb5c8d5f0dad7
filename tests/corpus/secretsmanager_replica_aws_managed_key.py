"""A secret encrypted with the platform's key, replicated to another Region without a key: the copy
there is encrypted with that Region's aws/secretsmanager, which every principal of the account with
secretsmanager access may use."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from tests.corpus._safe import KMS_KEY_ARN

EXPECTED = {"aws-secretsmanager-secret-kms"}


def program() -> None:
    secret = aws.secretsmanager.Secret(
        "ledger-db",
        name="secrets-dev/ledger-db",
        kms_key_id=KMS_KEY_ARN,
        recovery_window_in_days=30,
        replicas=[{"region": "eu-central-1"}],
        opts=pulumi.ResourceOptions(protect=True),
    )
    aws.secretsmanager.SecretRotation(
        "ledger-db-rotation",
        secret_id=secret.id,
        rotation_lambda_arn="arn:aws:lambda:eu-west-1:111122223333:function:rotate",
        rotation_rules={"automatically_after_days": 30},
    )
