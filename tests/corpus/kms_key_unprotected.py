"""A KMS key that `pulumi destroy` may delete with every secret it wraps."""

from __future__ import annotations

import pulumi_aws as aws

EXPECTED = {"aws-kms-key-protect"}


def program() -> None:
    aws.kms.Key(
        "secrets-key", enable_key_rotation=True, rotation_period_in_days=90, deletion_window_in_days=30
    )
