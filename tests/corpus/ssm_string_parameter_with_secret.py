"""A config secret stored as an SSM `String` parameter: unencrypted, readable by GetParameter."""

from __future__ import annotations

import pulumi_aws as aws

from tests.corpus._safe import token

EXPECTED = {"offline-secret-in-plaintext-field"}


def program() -> None:
    aws.ssm.Parameter("provider-key", name="/payments/provider-key", type="String", value=token())
