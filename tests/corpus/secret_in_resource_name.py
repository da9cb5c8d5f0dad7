"""A secret used to name a topic: names are shown in every console, ARN and log."""

from __future__ import annotations

import pulumi_aws as aws

from tests.corpus._safe import KMS_KEY_ARN, token

EXPECTED = {"offline-secret-in-plaintext-field"}


def program() -> None:
    aws.sns.Topic("events", name=token().apply(lambda t: f"events-{t}"), kms_master_key_id=KMS_KEY_ARN)
