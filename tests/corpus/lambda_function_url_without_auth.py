"""A function URL with auth type NONE: anyone on the internet invokes the function."""

from __future__ import annotations

import pulumi_aws as aws

EXPECTED = {"aws-lambda-function-url-auth"}


def program() -> None:
    aws.lambda_.FunctionUrl(
        "rotation-url", function_name="secrets-dev-secret-rotation", authorization_type="NONE"
    )
