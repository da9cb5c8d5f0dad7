"""The audit evidence bucket, whose public access block leaves public bucket policies allowed."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

EXPECTED = {"aws-s3-bucket-public-access-block"}


def program() -> None:
    bucket = aws.s3.Bucket(
        "audit-evidence",
        force_destroy=False,
        opts=pulumi.ResourceOptions(protect=True, retain_on_delete=True),
    )
    aws.s3.BucketPublicAccessBlock(
        "audit-evidence-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=False,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=pulumi.ResourceOptions(parent=bucket),
    )
