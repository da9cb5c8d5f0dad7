"""A KMS key policy that lets any AWS principal decrypt: `{"AWS": "*"}` without a condition."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from tests.corpus._safe import ACCOUNT

EXPECTED = {"aws-resource-policy-public-principal"}


def program() -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["kms:Decrypt"], "Resource": "*"},
        ],
    }
    aws.kms.Key(
        "shared-key",
        description="Shared key",
        enable_key_rotation=True,
        rotation_period_in_days=90,
        policy=json.dumps(policy),
        opts=pulumi.ResourceOptions(protect=True),
    )
