"""A Lambda permission for principal `*` with nothing pinning the caller: any account invokes the
rotation function."""

from __future__ import annotations

import pulumi_aws as aws

EXPECTED = {"aws-resource-policy-public-principal"}


def program() -> None:
    aws.lambda_.Permission(
        "rotation-invoke",
        action="lambda:InvokeFunction",
        function="secrets-dev-secret-rotation",
        principal="*",
    )
