"""A SecureString parameter whose value is written in the program."""

from __future__ import annotations

import pulumi_aws as aws

from tests.corpus._safe import KMS_KEY_ARN

EXPECTED = {"offline-secret-value-source"}


def program() -> None:
    aws.ssm.Parameter(
        "db-password",
        name="/payments/db-password",
        type="SecureString",
        key_id=KMS_KEY_ARN,
        value="db-password-in-code",
    )
