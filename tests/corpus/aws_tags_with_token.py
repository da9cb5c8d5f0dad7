"""A deploy token kept in an SNS topic's tags."""

from __future__ import annotations

import pulumi_aws as aws

EXPECTED = {"aws-resource-tags-plaintext-secret"}


def program() -> None:
    aws.sns.Topic(
        "alerts", tags={"team": "secops", "deploy-token": "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"}
    )
