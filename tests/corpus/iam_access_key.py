"""A long-lived IAM access key, which nothing rotates."""

from __future__ import annotations

import pulumi_aws as aws

EXPECTED = {"stack-secret-rotation-coverage"}


def program() -> None:
    aws.iam.AccessKey("ci", user="ci-deployer")
