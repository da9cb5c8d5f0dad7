"""An identity policy allowing `*:*`, which is every action though it is not the literal `*`."""

from __future__ import annotations

import json

import pulumi_aws as aws

from tests.corpus._safe import SECRET_ARN

EXPECTED = {"aws-iam-policy-secrets-wildcards"}


def program() -> None:
    statement = {"Effect": "Allow", "Action": "*:*", "Resource": SECRET_ARN}
    aws.iam.Policy("reader", policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
