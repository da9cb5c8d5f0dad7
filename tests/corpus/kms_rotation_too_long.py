"""A KMS key that rotates every two years."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

EXPECTED = {"aws-kms-key-rotation"}


def program() -> None:
    aws.kms.Key(
        "secrets-key",
        enable_key_rotation=True,
        rotation_period_in_days=730,
        deletion_window_in_days=30,
        opts=pulumi.ResourceOptions(protect=True),
    )
