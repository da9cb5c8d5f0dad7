"""An identity policy that allows everything except IAM (NotAction): secrets and keys included."""

from __future__ import annotations

import json

import pulumi_aws as aws

EXPECTED = {"aws-iam-policy-secrets-wildcards"}


def program() -> None:
    statement = {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}
    aws.iam.RolePolicy(
        "power-user", role="ops", policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
