"""A deploy token kept in an SNS topic's tags."""

from __future__ import annotations

import pulumi_aws as aws

EXPECTED = {"aws-resource-tags-plaintext-secret"}
KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def program() -> None:
    aws.sns.Topic(
        "alerts",
        kms_master_key_id=KEY_ARN,
        tags={"team": "secops", "deploy-token": "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"},
    )
