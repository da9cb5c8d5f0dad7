"""A bucket policy that allows everyone but one role (Allow with NotPrincipal) to read the audit trail."""

from __future__ import annotations

import json

import pulumi_aws as aws

from tests.corpus._safe import ACCOUNT

EXPECTED = {"aws-resource-policy-public-principal"}


def program() -> None:
    statement = {
        "Effect": "Allow",
        "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/intern"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::secrets-audit-trail/*",
    }
    aws.s3.BucketPolicy(
        "trail-read",
        bucket="secrets-audit-trail",
        policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )
