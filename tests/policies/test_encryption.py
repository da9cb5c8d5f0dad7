"""Encryption-at-rest policies: cluster envelope encryption, customer-managed keys, recoverable keys."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pytest

from policies.encryption import (
    AWS_CLOUDTRAIL_TRAIL_INTEGRITY,
    AWS_CLOUDWATCH_LOG_GROUP_KMS,
    AWS_EKS_CLUSTER_SECRETS_ENCRYPTION,
    AWS_KMS_KEY_DELETION_WINDOW,
    AWS_KMS_KEY_PROTECT,
    AWS_LAMBDA_FUNCTION_ENVIRONMENT_KMS,
    AWS_SECRETSMANAGER_SECRET_KMS,
    AWS_SECRETSMANAGER_SECRET_RECOVERY_WINDOW,
    AWS_SNS_TOPIC_KMS,
    AZURE_AKS_CLUSTER_KMS,
    AZURE_KEYVAULT_PROTECT,
    AZURE_KEYVAULT_PURGE_PROTECTION,
    AZURE_KEYVAULT_SOFT_DELETE,
    customer_key,
)
from tests.policies.conftest import judge

KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _eks(name: str, encryption_config: dict | None) -> None:
    aws.eks.Cluster(
        name,
        role_arn="arn:aws:iam::111122223333:role/eks",
        vpc_config={"subnet_ids": ["subnet-0a1b2c3d"]},
        encryption_config=encryption_config,
    )


def test_eks_cluster_secrets_encryption() -> None:
    def body() -> None:
        _eks("passed-1", {"resources": ["secrets"], "provider": {"key_arn": KEY_ARN}})
        _eks("failed-1", None)
        _eks("failed-2", {"resources": ["configmaps"], "provider": {"key_arn": KEY_ARN}})
        _eks("failed-3", {"resources": ["secrets"], "provider": {"key_arn": ""}})

    judge(AWS_EKS_CLUSTER_SECRETS_ENCRYPTION, body)


def _aks(name: str, security_profile: dict | None) -> None:
    azure_native.containerservice.ManagedCluster(
        name, resource_group_name="rg", dns_prefix=name, security_profile=security_profile
    )


def test_aks_cluster_kms() -> None:
    key_id = "https://kv.vault.azure.net/keys/secrets/0123456789abcdef"

    def body() -> None:
        _aks("passed-1", {"azure_key_vault_kms": {"enabled": True, "key_id": key_id}})
        _aks("failed-1", None)
        _aks("failed-2", {"azure_key_vault_kms": {"enabled": False, "key_id": key_id}})
        _aks("failed-3", {"azure_key_vault_kms": {"enabled": True}})
        _aks("failed-4", {"workload_identity": {"enabled": True}})

    judge(AZURE_AKS_CLUSTER_KMS, body)


def test_cloudwatch_log_group_kms() -> None:
    def body() -> None:
        aws.cloudwatch.LogGroup("passed-1", kms_key_id=KEY_ARN, retention_in_days=30)
        aws.cloudwatch.LogGroup("failed-1", retention_in_days=30)
        aws.cloudwatch.LogGroup("failed-2", kms_key_id="alias/aws/logs", retention_in_days=30)

    judge(AWS_CLOUDWATCH_LOG_GROUP_KMS, body)


def test_secretsmanager_secret_kms() -> None:
    def body() -> None:
        aws.secretsmanager.Secret("passed-1", kms_key_id=KEY_ARN)
        aws.secretsmanager.Secret("failed-1")
        aws.secretsmanager.Secret("failed-2", kms_key_id="alias/aws/secretsmanager")
        aws.secretsmanager.Secret(
            "failed-3", kms_key_id="arn:aws:kms:eu-west-1:111122223333:alias/aws/secretsmanager"
        )
        replica_key = "arn:aws:kms:eu-central-1:111122223333:key/5678abcd-12ab-34cd-56ef-1234567890ab"
        aws.secretsmanager.Secret(
            "passed-2", kms_key_id=KEY_ARN, replicas=[{"region": "eu-central-1", "kms_key_id": replica_key}]
        )
        aws.secretsmanager.Secret("failed-4", kms_key_id=KEY_ARN, replicas=[{"region": "eu-central-1"}])
        aws.secretsmanager.Secret(
            "failed-5",
            kms_key_id=KEY_ARN,
            replicas=[
                {"region": "eu-central-1", "kms_key_id": replica_key},
                {"region": "us-east-1", "kms_key_id": "alias/aws/secretsmanager"},
            ],
        )

    found = judge(AWS_SECRETSMANAGER_SECRET_KMS, body)
    assert found["failed-5"][0].startswith("replicas[1]") and len(found["failed-5"]) == 1


def _vault(name: str, protect: bool = True, **properties: object) -> None:
    props = {
        "tenant_id": "8f1c2a4e-1b2c-4d5e-8f90-1a2b3c4d5e6f",
        "sku": {"family": "A", "name": "premium"},
        "enable_soft_delete": True,
        "soft_delete_retention_in_days": 90,
        "enable_purge_protection": True,
        **properties,
    }
    azure_native.keyvault.Vault(
        name,
        vault_name=name,
        resource_group_name="rg",
        properties=props,
        opts=pulumi.ResourceOptions(protect=protect),
    )


def test_keyvault_soft_delete() -> None:
    def body() -> None:
        _vault("passed-1")
        _vault("passed-2", soft_delete_retention_in_days=None)  # Key Vault's default: 90 days
        _vault("failed-1", enable_soft_delete=False)
        _vault("failed-2", soft_delete_retention_in_days=7)
        _vault("failed-3", enable_soft_delete=None)

    judge(AZURE_KEYVAULT_SOFT_DELETE, body)


def test_keyvault_soft_delete_threshold_comes_from_config() -> None:
    def body() -> None:
        _vault("passed-1", soft_delete_retention_in_days=30)
        _vault("failed-1", soft_delete_retention_in_days=14)

    judge(AZURE_KEYVAULT_SOFT_DELETE, body, {"minRetentionDays": 30})


def test_keyvault_purge_protection() -> None:
    def body() -> None:
        _vault("passed-1")
        _vault("failed-1", enable_purge_protection=False)
        _vault("failed-2", enable_purge_protection=None)

    judge(AZURE_KEYVAULT_PURGE_PROTECTION, body)


def test_kms_key_protect() -> None:
    def body() -> None:
        aws.kms.Key("passed-1", enable_key_rotation=True, opts=pulumi.ResourceOptions(protect=True))
        aws.kms.Key("failed-1", enable_key_rotation=True)

    judge(AWS_KMS_KEY_PROTECT, body)


def test_keyvault_protect() -> None:
    def body() -> None:
        _vault("passed-1")
        azure_native.keyvault.Key(
            "passed-2",
            resource_group_name="rg",
            vault_name="kv",
            properties={"kty": "RSA-HSM"},
            opts=pulumi.ResourceOptions(protect=True),
        )
        _vault("failed-1", protect=False)
        azure_native.keyvault.Key(
            "failed-2", resource_group_name="rg", vault_name="kv", properties={"kty": "RSA-HSM"}
        )

    judge(AZURE_KEYVAULT_PROTECT, body)


def test_kms_key_deletion_window() -> None:
    def body() -> None:
        aws.kms.Key("passed-1", deletion_window_in_days=30)
        aws.kms.Key("passed-2")  # KMS default: 30 days
        aws.kms.Key("failed-1", deletion_window_in_days=7)

    judge(AWS_KMS_KEY_DELETION_WINDOW, body)


def test_kms_key_deletion_window_threshold_comes_from_config() -> None:
    def body() -> None:
        aws.kms.Key("passed-1", deletion_window_in_days=7)
        aws.kms.Key("failed-1", deletion_window_in_days=6)

    # 6 days is below what KMS accepts; the policy still judges it against the configured minimum.
    judge(AWS_KMS_KEY_DELETION_WINDOW, body, {"minDeletionWindowDays": 7})


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (KEY_ARN, True),
        ("alias/secrets-platform-store", True),
        ("alias/aws/sns", False),
        ("arn:aws:kms:eu-west-1:111122223333:alias/aws/lambda", False),
        ("", False),
        (None, False),
    ],
)
def test_customer_key(key: str | None, expected: bool) -> None:
    assert customer_key(key) is expected, key


def test_sns_topic_kms() -> None:
    def body() -> None:
        aws.sns.Topic("passed-1", kms_master_key_id=KEY_ARN)
        aws.sns.Topic("passed-2", kms_master_key_id="alias/secrets-dev-store")
        aws.sns.Topic("failed-1")
        aws.sns.Topic("failed-2", kms_master_key_id="alias/aws/sns")
        aws.sns.Topic("failed-3", kms_master_key_id="arn:aws:kms:eu-west-1:111122223333:alias/aws/sns")

    found = judge(AWS_SNS_TOPIC_KMS, body)
    assert "AWS-managed" in found["failed-2"][0], found["failed-2"]


def _trail(name: str, **changes: object) -> None:
    props: dict = {
        "s3_bucket_name": "audit-bucket",
        "kms_key_id": KEY_ARN,
        "enable_log_file_validation": True,
        "is_multi_region_trail": True,
        "include_global_service_events": True,
        **changes,
    }
    aws.cloudtrail.Trail(name, **{k: v for k, v in props.items() if v is not None})


def test_cloudtrail_trail_integrity() -> None:
    def body() -> None:
        _trail("passed-1")
        _trail("failed-1", enable_log_file_validation=False)
        _trail("failed-2", enable_log_file_validation=None)  # CloudTrail's default: off
        _trail("failed-3", kms_key_id=None)
        _trail("failed-4", is_multi_region_trail=False)
        _trail("failed-5", is_multi_region_trail=None)  # CloudTrail's default: one region

    found = judge(AWS_CLOUDTRAIL_TRAIL_INTEGRITY, body)
    assert all(len(messages) == 1 for messages in found.values()), found


def test_cloudtrail_trail_integrity_multi_region_comes_from_config() -> None:
    def body() -> None:
        _trail("passed-1", is_multi_region_trail=False)
        _trail("failed-1", is_multi_region_trail=False, enable_log_file_validation=False)

    found = judge(AWS_CLOUDTRAIL_TRAIL_INTEGRITY, body, {"requireMultiRegion": False})
    assert len(found["failed-1"]) == 1 and "validation" in found["failed-1"][0], found


def test_secretsmanager_secret_recovery_window() -> None:
    def body() -> None:
        aws.secretsmanager.Secret("passed-1", kms_key_id=KEY_ARN, recovery_window_in_days=7)
        aws.secretsmanager.Secret("passed-2", kms_key_id=KEY_ARN)  # Secrets Manager's default: 30 days
        aws.secretsmanager.Secret("failed-1", kms_key_id=KEY_ARN, recovery_window_in_days=0)
        aws.secretsmanager.Secret("failed-2", kms_key_id=KEY_ARN, recovery_window_in_days=5)

    found = judge(AWS_SECRETSMANAGER_SECRET_RECOVERY_WINDOW, body)
    assert "unrecoverable" in found["failed-1"][0], found["failed-1"]


def test_secretsmanager_secret_recovery_window_threshold_comes_from_config() -> None:
    def body() -> None:
        aws.secretsmanager.Secret("passed-1", kms_key_id=KEY_ARN, recovery_window_in_days=30)
        aws.secretsmanager.Secret("passed-2", kms_key_id=KEY_ARN)
        aws.secretsmanager.Secret("failed-1", kms_key_id=KEY_ARN, recovery_window_in_days=7)

    judge(AWS_SECRETSMANAGER_SECRET_RECOVERY_WINDOW, body, {"minRecoveryWindowDays": 30})


def _function(name: str, variables: dict | None, kms_key_arn: str | None) -> None:
    aws.lambda_.Function(
        name,
        role="arn:aws:iam::111122223333:role/rotation",
        package_type="Image",
        image_uri="111122223333.dkr.ecr.eu-west-1.amazonaws.com/rotate:1",
        environment=None if variables is None else {"variables": variables},
        kms_key_arn=kms_key_arn,
    )


def test_lambda_function_environment_kms() -> None:
    def body() -> None:
        _function("passed-1", {"PASSWORD_LENGTH": "32"}, KEY_ARN)
        _function("passed-2", None, None)  # no environment: nothing to encrypt
        _function("passed-3", {}, None)
        _function("failed-1", {"PASSWORD_LENGTH": "32"}, None)
        _function(
            "failed-2", {"PASSWORD_LENGTH": "32"}, "arn:aws:kms:eu-west-1:111122223333:alias/aws/lambda"
        )

    judge(AWS_LAMBDA_FUNCTION_ENVIRONMENT_KMS, body)
