"""A role any AWS account may assume: `{"AWS": "*"}` in its trust policy."""

from __future__ import annotations

import json

import pulumi_aws as aws

EXPECTED = {"aws-iam-role-trust-principal"}


def program() -> None:
    trust = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
    aws.iam.Role(
        "break-glass", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [trust]})
    )
