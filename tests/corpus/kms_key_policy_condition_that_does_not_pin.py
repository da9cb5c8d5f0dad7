"""A public key policy statement whose only condition (TLS in transit) says nothing about who calls."""

from __future__ import annotations

import json

import pulumi_aws as aws

EXPECTED = {"aws-resource-policy-public-principal"}


def program() -> None:
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": ["kms:Decrypt", "kms:DescribeKey"],
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "true"}},
    }
    aws.kms.KeyPolicy(
        "key-policy",
        key_id="1234abcd-12ab-34cd-56ef-1234567890ab",
        policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )
