"""A Secrets Manager version whose value is written in the program (the SDK marks it secret)."""

from __future__ import annotations

import pulumi_aws as aws

from tests.corpus._safe import SECRET_ARN

EXPECTED = {"offline-secret-value-source"}


def program() -> None:
    aws.secretsmanager.SecretVersion(
        "payments-db-initial", secret_id=SECRET_ARN, secret_string="initial-password-123"
    )
