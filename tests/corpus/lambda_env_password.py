"""A rotation Lambda with the database password in its environment."""

from __future__ import annotations

import pulumi_aws as aws

EXPECTED = {"aws-lambda-function-environment-plaintext-secret"}
KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def program() -> None:
    aws.lambda_.Function(
        "rotate",
        role="arn:aws:iam::111122223333:role/rotation",
        package_type="Image",
        image_uri="111122223333.dkr.ecr.eu-west-1.amazonaws.com/rotate:1",
        environment={"variables": {"MASTER_PASSWORD": "master-password-1"}},
        kms_key_arn=KEY_ARN,
    )
