"""A workload role given AWS's AdministratorAccess."""

from __future__ import annotations

import json

import pulumi_aws as aws

EXPECTED = {"aws-iam-managed-policy-attachment"}


def program() -> None:
    trust = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    role = aws.iam.Role(
        "reporter", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [trust]})
    )
    aws.iam.RolePolicyAttachment(
        "reporter-admin", role=role.name, policy_arn="arn:aws:iam::aws:policy/AdministratorAccess"
    )
