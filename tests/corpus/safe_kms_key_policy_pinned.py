"""Passes: a key policy with a wildcard principal pinned to the account and the service it calls through."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from tests.corpus._safe import ACCOUNT

EXPECTED: set[str] = set()


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
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["kms:Decrypt"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:CallerAccount": ACCOUNT,
                        "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com",
                    }
                },
            },
        ],
    }
    aws.kms.Key(
        "store-key",
        description="Secrets Manager secrets",
        enable_key_rotation=True,
        rotation_period_in_days=90,
        policy=json.dumps(policy),
        opts=pulumi.ResourceOptions(protect=True),
    )
