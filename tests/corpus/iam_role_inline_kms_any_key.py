"""A role whose inline policy may decrypt with any KMS key."""

from __future__ import annotations

import json

import pulumi_aws as aws

EXPECTED = {"aws-iam-policy-secrets-wildcards"}


def program() -> None:
    trust = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    decrypt = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}
    aws.iam.Role(
        "node",
        assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [trust]}),
        inline_policies=[
            {"name": "decrypt", "policy": json.dumps({"Version": "2012-10-17", "Statement": [decrypt]})}
        ],
    )
