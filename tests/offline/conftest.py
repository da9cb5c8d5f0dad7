"""Fixtures of the offline commands' tests: moto's Secrets Manager with the project's rotation Lambda
run in-process (shared with the Lambda's own tests)."""

from tests.functions.test_rotation_handler import aws_env, lambda_calls, sm  # noqa: F401 - fixtures
