"""A queue policy that lets any principal receive the rotation events of the orders queue."""

from __future__ import annotations

import json

import pulumi_aws as aws

EXPECTED = {"aws-resource-policy-public-principal"}


def program() -> None:
    statement = {"Effect": "Allow", "Principal": "*", "Action": "sqs:ReceiveMessage", "Resource": "*"}
    aws.sqs.QueuePolicy(
        "events",
        queue_url="https://sqs.eu-west-1.amazonaws.com/111122223333/rotation-events",
        policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )
