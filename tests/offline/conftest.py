"""Fixtures of the offline commands' tests: moto's Secrets Manager with the project's rotation Lambda
run in-process (shared with the Lambda's own tests), and the dev stack's `orders-queue` in it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.functions.test_rotation_handler import aws_env, lambda_calls, rotation_function, sm  # noqa: F401 - fixtures

QUEUE = "secrets-dev/orders-queue"


@pytest.fixture
def rotated_queue(sm: Any, lambda_calls: list, tmp_path: Path) -> Any:  # noqa: F811 - fixtures
    """`secrets-dev/orders-queue` as the platform leaves it: created with a first value, then rotated at
    once by the rotation Lambda (AWSCURRENT new, AWSPREVIOUS the first value)."""
    arn = rotation_function(tmp_path)
    sm.create_secret(
        Name=QUEUE, SecretString=json.dumps({"username": "queueuser", "password": "initial-0123456789"})
    )
    sm.rotate_secret(
        SecretId=QUEUE,
        RotationLambdaARN=arn,
        RotationRules={"AutomaticallyAfterDays": 30},
        RotateImmediately=True,
    )
    return sm
