"""The control-plane audit log group without a customer-managed key."""

from __future__ import annotations

import pulumi_aws as aws

EXPECTED = {"aws-cloudwatch-log-group-kms"}


def program() -> None:
    aws.cloudwatch.LogGroup("cluster-logs", name="/aws/eks/secrets-dev/cluster", retention_in_days=30)
