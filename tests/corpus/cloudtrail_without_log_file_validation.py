"""The secret-access trail without log file validation: altered or deleted log files go unnoticed."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

EXPECTED = {"aws-cloudtrail-trail-integrity"}
KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def program() -> None:
    aws.cloudtrail.Trail(
        "audit-trail",
        name="secrets-prod-secrets-audit",
        s3_bucket_name="secrets-prod-audit-evidence",
        kms_key_id=KEY_ARN,
        enable_logging=True,
        enable_log_file_validation=False,
        is_multi_region_trail=True,
        include_global_service_events=True,
        opts=pulumi.ResourceOptions(protect=True),
    )
