"""A trail declared with logging stopped: validated, encrypted, multi-region, and recording nothing."""

from __future__ import annotations

import pulumi_aws as aws

from tests.corpus._safe import KMS_KEY_ARN

EXPECTED = {"aws-cloudtrail-trail-logging"}


def program() -> None:
    aws.cloudtrail.Trail(
        "audit",
        s3_bucket_name="secrets-audit-trail",
        kms_key_id=KMS_KEY_ARN,
        enable_log_file_validation=True,
        is_multi_region_trail=True,
        enable_logging=False,
    )
