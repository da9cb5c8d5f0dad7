"""The secret-access alarm topic encrypted with the AWS-managed key alias/aws/sns."""

from __future__ import annotations

import pulumi_aws as aws

EXPECTED = {"aws-sns-topic-kms"}


def program() -> None:
    aws.sns.Topic("audit-alerts", name="secrets-prod-secrets-audit-alerts", kms_master_key_id="alias/aws/sns")
