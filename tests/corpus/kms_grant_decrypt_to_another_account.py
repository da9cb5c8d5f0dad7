"""A KMS grant that lets another account decrypt with the store key, outside every statement of the key
policy a reviewer reads."""

from __future__ import annotations

import pulumi_aws as aws

from tests.corpus._safe import KMS_KEY_ARN

EXPECTED = {"aws-kms-grant-grantee"}


def program() -> None:
    aws.kms.Grant(
        "reports-decrypt",
        key_id=KMS_KEY_ARN,
        grantee_principal="arn:aws:iam::999999999999:role/reports",
        operations=["Decrypt", "DescribeKey"],
    )
