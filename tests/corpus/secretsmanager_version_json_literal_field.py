"""A JSON secret string: the password is generated, the API key beside it is written in the program."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from tests.corpus._safe import SECRET_ARN

EXPECTED = {"offline-secret-value-source"}


def program() -> None:
    password = random.RandomPassword("partner-password", length=32, special=False, keepers={"version": "1"})
    aws.secretsmanager.SecretVersion(
        "partner-initial",
        secret_id=SECRET_ARN,
        secret_string=pulumi.Output.secret(
            password.result.apply(lambda p: json.dumps({"password": p, "api-key": "partner-key-in-code"}))
        ),
    )
