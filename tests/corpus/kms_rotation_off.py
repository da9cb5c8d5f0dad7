"""A customer-managed KMS key that never rotates."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

EXPECTED = {"aws-kms-key-rotation", "stack-secret-rotation-coverage"}


def program() -> None:
    aws.kms.Key(
        "secrets-key",
        enable_key_rotation=False,
        deletion_window_in_days=30,
        opts=pulumi.ResourceOptions(protect=True),
    )
