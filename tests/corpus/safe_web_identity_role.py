"""Passes: a role assumed by exactly one ServiceAccount, reading one secret."""

from __future__ import annotations

import json

import pulumi_aws as aws

from tests.corpus._safe import ACCOUNT, SECRET_ARN

EXPECTED: set[str] = set()
ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/9F48385C9F48385C9F48385C9F48385C"


def program() -> None:
    trust = {
        "Effect": "Allow",
        "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {
                f"{ISSUER}:sub": "system:serviceaccount:payments:ledger-secret-sync",
                f"{ISSUER}:aud": "sts.amazonaws.com",
            }
        },
    }
    read = {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [SECRET_ARN]}
    aws.iam.Role(
        "ledger-sync",
        assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [trust]}),
        inline_policies=[
            {"name": "read", "policy": json.dumps({"Version": "2012-10-17", "Statement": [read]})}
        ],
    )
