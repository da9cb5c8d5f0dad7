"""The rotation Lambda's environment encrypted only with the AWS-managed key (no kms_key_arn)."""

from __future__ import annotations

import pulumi_aws as aws

EXPECTED = {"aws-lambda-function-environment-kms"}


def program() -> None:
    aws.lambda_.Function(
        "rotate",
        name="secrets-prod-secret-rotation",
        role="arn:aws:iam::111122223333:role/rotation",
        package_type="Image",
        image_uri="111122223333.dkr.ecr.eu-west-1.amazonaws.com/rotate:1",
        environment={"variables": {"PASSWORD_LENGTH": "32"}},
    )
