"""An IAM role for pods that any ServiceAccount of the cluster may assume."""

from __future__ import annotations

import json

import pulumi_aws as aws

EXPECTED = {"aws-iam-role-web-identity-subject"}


def program() -> None:
    issuer = "oidc.eks.eu-west-1.amazonaws.com/id/ABC"
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": f"arn:aws:iam::111122223333:oidc-provider/{issuer}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringLike": {f"{issuer}:sub": "system:serviceaccount:*:*", f"{issuer}:aud": "sts.amazonaws.com"}
        },
    }
    aws.iam.Role(
        "payments-api", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
