"""The dev policy config advises (not blocks) on a short KMS deletion window."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

EXPECTED = {"aws-kms-key-deletion-window"}
POLICY_CONFIG = "dev"


def program() -> None:
    aws.kms.Key(
        "secrets-key",
        enable_key_rotation=True,
        rotation_period_in_days=90,
        deletion_window_in_days=7,
        opts=pulumi.ResourceOptions(protect=True),
    )
