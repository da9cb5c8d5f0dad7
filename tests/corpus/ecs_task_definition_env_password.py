"""An ECS task definition with the database password in a container's environment."""

from __future__ import annotations

import json

import pulumi_aws as aws

EXPECTED = {"aws-ecs-task-definition-plaintext-secret"}


def program() -> None:
    aws.ecs.TaskDefinition(
        "payments",
        family="payments",
        container_definitions=json.dumps(
            [
                {
                    "name": "payments",
                    "image": "111122223333.dkr.ecr.eu-west-1.amazonaws.com/payments:1",
                    "environment": [{"name": "DB_PASSWORD", "value": "payments-db-password-1"}],
                }
            ]
        ),
    )
