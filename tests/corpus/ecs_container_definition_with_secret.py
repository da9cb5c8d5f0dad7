"""A config secret written into an ECS container definition's environment instead of `secrets`."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from tests.corpus._safe import token

EXPECTED = {"offline-secret-in-plaintext-field", "aws-ecs-task-definition-plaintext-secret"}


def program() -> None:
    definitions = token().apply(
        lambda value: json.dumps(
            [
                {
                    "name": "api",
                    "image": "ghcr.io/example/api:1",
                    "environment": [{"name": "API_KEY", "value": value}],
                }
            ]
        )
    )
    aws.ecs.TaskDefinition("api", family="api", container_definitions=pulumi.Output.secret(definitions))
