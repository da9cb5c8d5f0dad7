"""A public trust policy "pinned" with an IfExists condition, which a caller without the key passes."""

from __future__ import annotations

import json

import pulumi_aws as aws

EXPECTED = {"aws-iam-role-trust-principal"}


def program() -> None:
    trust = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": ["sts:AssumeRole", "sts:TagSession"],
        "Condition": {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}},
    }
    aws.iam.Role(
        "partner-access", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [trust]})
    )
