"""Rotation policies: one happy-path resource per test, each failed-N changes one property."""

from __future__ import annotations

import time

import pulumi
import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_kubernetes as k8s
import pulumi_random as random
import pytest

from policies._support import go_duration_seconds
from policies.rotation import (
    AWS_KMS_KEY_ROTATION,
    AWS_SECRETSMANAGER_ROTATION_SCHEDULE,
    AZURE_KEYVAULT_KEY_ROTATION_POLICY,
    AZURE_KEYVAULT_SECRET_EXPIRY,
    KUBERNETES_EXTERNALSECRET_REFRESH_INTERVAL,
    KUBERNETES_SECRET_ROTATION_ANNOTATION,
    RANDOM_PASSWORD_KEEPERS,
    STACK_SECRET_ROTATION_COVERAGE,
    key_rotation_interval,
    schedule_days,
)
from tests.policies.conftest import PROJECT, judge

LAMBDA = "arn:aws:lambda:eu-west-1:111122223333:function:rotate"
MANAGED = {"app.kubernetes.io/managed-by": "secrets-platform"}


def _rotation(name: str, rules: dict) -> None:
    aws.secretsmanager.SecretRotation(
        name, secret_id=f"arn:{name}", rotation_lambda_arn=LAMBDA, rotation_rules=rules
    )


def test_secretsmanager_rotation_schedule() -> None:
    def body() -> None:
        _rotation("passed-1", {"automatically_after_days": 30})
        _rotation("passed-2", {"schedule_expression": "rate(7 days)"})
        _rotation("passed-3", {"schedule_expression": "cron(0 8 ? * MON *)"})
        _rotation("failed-1", {"automatically_after_days": 120})
        _rotation("failed-2", {"schedule_expression": "rate(180 days)"})
        _rotation("failed-3", {"schedule_expression": "cron(0 0 1 1 ? *)"})
        _rotation("failed-4", {"schedule_expression": "every now and then"})

    found = judge(AWS_SECRETSMANAGER_ROTATION_SCHEDULE, body)
    assert "120 days" in found["failed-1"][0]


def test_secretsmanager_rotation_threshold_comes_from_config() -> None:
    def body() -> None:
        _rotation("passed-1", {"automatically_after_days": 7})
        _rotation("failed-1", {"automatically_after_days": 30})

    judge(AWS_SECRETSMANAGER_ROTATION_SCHEDULE, body, {"maxRotationDays": 14})


@pytest.mark.parametrize(
    ("expression", "days"),
    [
        ("rate(1 day)", 1),
        ("rate(12 hours)", 0.5),
        ("cron(0 16 1,15 * ? *)", 31),
        ("cron(0 0 * * ? *)", 1),
        ("cron(0 0 1 */3 ? *)", 93),
        ("cron(0 0 *)", None),
    ],
)
def test_schedule_days_bounds_the_longest_interval(expression: str, days: float | None) -> None:
    assert schedule_days(expression) == days, expression


def _key(name: str, **kwargs: object) -> None:
    aws.kms.Key(name, deletion_window_in_days=30, opts=pulumi.ResourceOptions(protect=True), **kwargs)


def test_kms_key_rotation() -> None:
    def body() -> None:
        _key("passed-1", enable_key_rotation=True, rotation_period_in_days=90)
        _key("passed-2", enable_key_rotation=True)  # KMS default: 365 days
        _key("passed-3", key_usage="SIGN_VERIFY", customer_master_key_spec="RSA_2048")  # cannot rotate
        _key("failed-1", enable_key_rotation=False, rotation_period_in_days=90)
        _key("failed-2")
        _key("failed-3", enable_key_rotation=True, rotation_period_in_days=730)

    judge(AWS_KMS_KEY_ROTATION, body)


def _vault_key(name: str, rotation_policy: dict | None) -> None:
    properties: dict = {"kty": "RSA-HSM", "key_size": 3072}
    if rotation_policy is not None:
        properties["rotation_policy"] = rotation_policy
    azure_native.keyvault.Key(
        name, key_name=name, resource_group_name="rg", vault_name="kv", properties=properties
    )


def _rotate(trigger: dict) -> dict:
    return {"trigger": trigger, "action": {"type": "Rotate"}}


def test_keyvault_key_rotation_policy() -> None:
    def body() -> None:
        _vault_key(
            "passed-1",
            {
                "attributes": {"expiry_time": "P1Y"},
                "lifetime_actions": [_rotate({"time_before_expiry": "P30D"})],
            },
        )
        _vault_key("passed-2", {"lifetime_actions": [_rotate({"time_after_create": "P90D"})]})
        _vault_key("failed-1", None)
        _vault_key(
            "failed-2",
            {"lifetime_actions": [{"trigger": {"time_before_expiry": "P30D"}, "action": {"type": "Notify"}}]},
        )
        _vault_key("failed-3", {"lifetime_actions": [_rotate({"time_after_create": "P2Y"})]})

    judge(AZURE_KEYVAULT_KEY_ROTATION_POLICY, body)


def test_key_rotation_interval_takes_the_earliest_rotate_trigger() -> None:
    policy = {
        "attributes": {"expiryTime": "P1Y"},
        "lifetimeActions": [
            {"trigger": {"timeBeforeExpiry": "P30D"}, "action": {"type": "Rotate"}},
            {"trigger": {"timeAfterCreate": "P6M"}, "action": {"type": "Rotate"}},
        ],
    }
    assert key_rotation_interval(policy) == 180


def _vault_secret(name: str, attributes: dict | None) -> None:
    properties: dict = {"value": pulumi.Config(PROJECT).require_secret("token")}
    if attributes is not None:
        properties["attributes"] = attributes
    azure_native.keyvault.Secret(
        name, secret_name=name, resource_group_name="rg", vault_name="kv", properties=properties
    )


def test_keyvault_secret_expiry() -> None:
    now = int(time.time())

    def body() -> None:
        _vault_secret("passed-1", {"expires": now + 30 * 86400})
        _vault_secret("failed-1", None)
        _vault_secret("failed-2", {"enabled": True})
        _vault_secret("failed-3", {"expires": now + 400 * 86400})

    judge(AZURE_KEYVAULT_SECRET_EXPIRY, body)


def test_random_password_keepers() -> None:
    def body() -> None:
        random.RandomPassword("passed-1", length=32, keepers={"version": "1"})
        random.RandomBytes("passed-2", length=32, keepers={"version": "3"})
        random.RandomPassword("failed-1", length=32)
        random.RandomPassword("failed-2", length=32, keepers={})
        random.RandomBytes("failed-3", length=32)

    judge(RANDOM_PASSWORD_KEEPERS, body)


def _k8s_secret(name: str, labels: dict, annotations: dict) -> None:
    k8s.core.v1.Secret(
        name,
        metadata={"name": name, "namespace": "payments", "labels": labels, "annotations": annotations},
        string_data=pulumi.Output.secret({"password": pulumi.Config(PROJECT).require_secret("token")}),
    )


def test_kubernetes_secret_rotation_annotation() -> None:
    def body() -> None:
        _k8s_secret("passed-1", MANAGED, {"secrets-platform/rotation-days": "90"})
        _k8s_secret("passed-2", {}, {})  # not the platform's: the stack policy judges it
        _k8s_secret("failed-1", MANAGED, {})
        _k8s_secret("failed-2", MANAGED, {"secrets-platform/rotation-days": "400"})
        _k8s_secret("failed-3", MANAGED, {"secrets-platform/rotation-days": "monthly"})
        _k8s_secret("failed-4", MANAGED, {"secrets-platform/rotation-days": "0"})

    judge(KUBERNETES_SECRET_ROTATION_ANNOTATION, body)


def test_kubernetes_secret_rotation_threshold_comes_from_config() -> None:
    def body() -> None:
        _k8s_secret("passed-1", MANAGED, {"secrets-platform/rotation-days": "60"})
        _k8s_secret("failed-1", MANAGED, {"secrets-platform/rotation-days": "120"})

    judge(KUBERNETES_SECRET_ROTATION_ANNOTATION, body, {"maxRotationDays": 90})


def _external_secret(
    name: str,
    rotation_days: str | None = "30",
    labels: dict | None = None,
    api_version: str = "external-secrets.io/v1",
    **spec: object,
) -> None:
    labels = MANAGED if labels is None else labels
    annotations = {} if rotation_days is None else {"secrets-platform/rotation-days": rotation_days}
    k8s.apiextensions.CustomResource(
        name,
        api_version=api_version,
        kind="ExternalSecret",
        metadata={"name": name, "namespace": "orders", "labels": labels},
        spec={
            "refreshPolicy": "Periodic",
            "refreshInterval": "1h",
            "secretStoreRef": {"name": "orders-api-secrets-manager", "kind": "SecretStore"},
            "target": {
                "name": name,
                "template": {"metadata": {"labels": labels, "annotations": annotations}},
            },
            "data": [{"secretKey": "password", "remoteRef": {"key": "secrets-dev/orders-queue"}}],
            **spec,
        },
    )


def test_kubernetes_externalsecret_refresh_interval() -> None:
    def body() -> None:
        _external_secret("passed-1")
        _external_secret("passed-2", refreshInterval=None)  # ESO's default: 1h
        _external_secret("passed-3", rotation_days="1", refreshInterval="6h0m0s")
        _external_secret("passed-4", api_version="external-secrets.io/v1beta1", refreshInterval="719h59m")
        _external_secret("passed-5", rotation_days=None, labels={})  # not the platform's: nothing to compare
        _external_secret("failed-1", refreshInterval="720h")  # as long as the 30-day rotation
        _external_secret("failed-2", refreshInterval="2160h")
        _external_secret("failed-3", refreshInterval="0")  # periodic refresh off
        _external_secret("failed-4", refreshInterval="0s")
        _external_secret("failed-5", refreshPolicy="CreatedOnce")
        _external_secret("failed-6", refreshPolicy="OnChange")
        _external_secret("failed-7", refreshInterval="30d")  # Go durations stop at hours
        _external_secret("failed-8", rotation_days=None)  # the platform's, without its rotation period
        _external_secret("failed-9", rotation_days="monthly")

    found = judge(KUBERNETES_EXTERNALSECRET_REFRESH_INTERVAL, body)
    assert "720h" in found["failed-1"][0], found["failed-1"]


def test_kubernetes_externalsecret_refresh_fraction_comes_from_config() -> None:
    def body() -> None:
        _external_secret("passed-1", rotation_days="1", refreshInterval="5h59m")
        _external_secret("failed-1", rotation_days="1", refreshInterval="6h")

    judge(KUBERNETES_EXTERNALSECRET_REFRESH_INTERVAL, body, {"maxRefreshFraction": 0.25})


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("1h", 3600),
        ("30m", 1800),
        ("6h0m0s", 21600),
        ("1h30m", 5400),
        ("1.5h", 5400),
        ("90s", 90),
        ("500ms", 0.5),
        ("0", 0),
        ("0s", 0),
        ("-1h", -3600),
        ("1d", None),
        ("1 h", None),
        ("h", None),
        ("", None),
        (3600, None),
    ],
)
def test_go_duration_seconds(value: object, seconds: float | None) -> None:
    assert go_duration_seconds(value) == seconds, value


def test_stack_secret_rotation_coverage() -> None:
    now = int(time.time())

    def body() -> None:
        token = pulumi.Config(PROJECT).require_secret("token")
        # A Secret fed by a generator with keepers is covered by the generator.
        generated = random.RandomPassword("passed-1", length=32, keepers={"version": "1"})
        k8s.core.v1.Secret("passed-2", string_data={"password": generated.result})
        k8s.core.v1.Secret(
            "passed-3",
            metadata={"annotations": {"secrets-platform/rotation-days": "30"}},
            string_data={"t": token},
        )
        rotated = aws.secretsmanager.Secret("passed-4", kms_key_id="arn:aws:kms:eu-west-1:1:key/k")
        aws.secretsmanager.SecretRotation(
            "rotation",
            secret_id=rotated.id,
            rotation_lambda_arn=LAMBDA,
            rotation_rules={"automatically_after_days": 30},
        )
        aws.kms.Key("passed-5", enable_key_rotation=True)
        _vault_secret("passed-6", {"expires": now + 86400})
        k8s.core.v1.Secret("failed-1", string_data={"t": token})
        aws.secretsmanager.Secret("failed-2", kms_key_id="arn:aws:kms:eu-west-1:1:key/k")
        aws.kms.Key("failed-3", enable_key_rotation=False)
        random.RandomPassword("failed-4", length=32)
        aws.iam.AccessKey("failed-5", user="ci")
        _vault_secret("failed-6", None)

    found = judge(STACK_SECRET_ROTATION_COVERAGE, body)
    assert "no SecretRotation" in found["failed-2"][0]
