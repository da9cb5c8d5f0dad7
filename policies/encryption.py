"""Encryption at rest: every store of secrets is encrypted with a customer-managed key that cannot vanish.

Kubernetes Secrets are envelope-encrypted in etcd (EKS `encryptionConfig`, AKS Key Vault KMS); the
audit logs, the alarm topic, Lambda environments and Secrets Manager use a customer-managed KMS key;
the CloudTrail trail is encrypted, validated and covers every region, so its record can be trusted;
Secrets Manager secrets and Key Vaults keep deleted objects recoverable; and the keys themselves are
protected from `pulumi destroy` and wait out a deletion window, because losing the key loses every
secret it wraps.
"""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from policies._support import (
    as_list,
    as_number,
    dig,
    is_unknown,
    known,
    message,
    plain,
    schema,
    settings,
    unknown_at,
)

EKS_CLUSTER = "aws:eks/cluster:Cluster"
AKS_CLUSTER = "azure-native:containerservice:ManagedCluster"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SECRETSMANAGER_SECRET = "aws:secretsmanager/secret:Secret"
KMS_KEY = "aws:kms/key:Key"
KEY_VAULT = "azure-native:keyvault:Vault"
KEYVAULT_KEY = "azure-native:keyvault:Key"
SNS_TOPIC = "aws:sns/topic:Topic"
CLOUDTRAIL_TRAIL = "aws:cloudtrail/trail:Trail"
LAMBDA_FUNCTION = "aws:lambda/function:Function"

KMS_DEFAULT_DELETION_WINDOW_DAYS = 30
"""Days KMS waits when `deletionWindowInDays` is not set (KMS API reference, ScheduleKeyDeletion)."""
KEY_VAULT_DEFAULT_RETENTION_DAYS = 90
"""Days Key Vault keeps deleted objects when `softDeleteRetentionInDays` is not set."""
SECRETSMANAGER_DEFAULT_RECOVERY_WINDOW_DAYS = 30
"""Days Secrets Manager waits when `recoveryWindowInDays` is not set (DeleteSecret API reference)."""

_AWS_MANAGED_KEY = re.compile(r"(^|:)alias/aws/")
"""An AWS-managed key (`alias/aws/sns`, `arn:aws:kms:...:alias/aws/lambda`): its policy cannot be
changed, so it cannot limit who decrypts, and it can be neither rotated on demand nor disabled."""


def customer_key(value: Any) -> bool:
    """Whether a KMS key reference names a customer-managed key (set, and not an `alias/aws/*` key)."""
    return isinstance(value, str) and bool(value.strip()) and not _AWS_MANAGED_KEY.search(value.strip())


def _eks_secrets_encryption(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != EKS_CLUSTER:
        return
    config = plain(args.props).get("encryptionConfig")
    if is_unknown(config):
        return
    # pulumi-aws 7 takes one object; older versions a list of one.
    configs = [c for c in as_list(config) if isinstance(c, dict)]
    if any(
        unknown_at(c, "resources") or any(is_unknown(r) for r in as_list(c.get("resources"))) for c in configs
    ):
        return
    covers_secrets = [c for c in configs if "secrets" in as_list(c.get("resources"))]
    if not covers_secrets:
        report(
            message(
                "The cluster does not envelope-encrypt Secrets",
                "Set encryption_config={'resources': ['secrets'], 'provider': {'key_arn': <customer-managed "
                "KMS key ARN>}}",
            ),
            None,
        )
        return
    provider = covers_secrets[0].get("provider")
    key = provider.get("keyArn") if isinstance(provider, dict) else None
    if is_unknown(provider) or is_unknown(key):
        return
    if not key:
        report(
            message(
                "The cluster's Secrets encryption names no KMS key",
                "Set encryption_config.provider.key_arn to a customer-managed KMS key ARN",
            ),
            None,
        )


# Source: CIS Amazon EKS Benchmark 5.3.1 ("Ensure Kubernetes Secrets are encrypted using Customer Master
# Keys (CMKs) managed in AWS KMS"); checkov CKV_AWS_58.
AWS_EKS_CLUSTER_SECRETS_ENCRYPTION = ResourceValidationPolicy(
    name="aws-eks-cluster-secrets-encryption",
    description="EKS clusters must envelope-encrypt Secrets with a customer-managed KMS key.",
    validate=_eks_secrets_encryption,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(),
    remediation_steps="Set encryption_config with resources ['secrets'] and provider.key_arn.",
)


def _aks_kms(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != AKS_CLUSTER:
        return
    props = plain(args.props)
    if unknown_at(props, "securityProfile", "azureKeyVaultKms", "enabled") or unknown_at(
        props, "securityProfile", "azureKeyVaultKms", "keyId"
    ):
        return
    kms = dig(props, "securityProfile", "azureKeyVaultKms")
    if not isinstance(kms, dict) or kms.get("enabled") is not True:
        report(
            message(
                "The cluster does not encrypt Secrets with a Key Vault key",
                "Set security_profile.azure_key_vault_kms={'enabled': True, 'key_id': <versioned key id>}",
            ),
            None,
        )
    elif not known(kms.get("keyId")):
        report(
            message(
                "Key Vault KMS is enabled without a key",
                "Set security_profile.azure_key_vault_kms.key_id to the versioned id of a Key Vault key",
            ),
            None,
        )


# Source: AKS docs, "Add Key Management Service etcd encryption to an AKS cluster".
AZURE_AKS_CLUSTER_KMS = ResourceValidationPolicy(
    name="azure-aks-cluster-kms",
    description="AKS clusters must encrypt Secrets with a Key Vault key (KMS).",
    validate=_aks_kms,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(),
    remediation_steps="Enable security_profile.azure_key_vault_kms with a key_id.",
)


def _kms_key_id(args: ResourceValidationArgs, report: ReportViolation, kind: str, what: str) -> None:
    if args.resource_type != kind:
        return
    key = plain(args.props).get("kmsKeyId")
    if is_unknown(key):
        return
    if not customer_key(key):  # unset, or any AWS-managed key (`alias/aws/...`, by name or ARN)
        report(
            message(
                f"The {what} is not encrypted with a customer-managed KMS key",
                "Set kms_key_id to the ARN of a customer-managed KMS key",
            ),
            None,
        )


def _log_group_kms(args: ResourceValidationArgs, report: ReportViolation) -> None:
    _kms_key_id(args, report, LOG_GROUP, "log group")


def _secretsmanager_secret_kms(args: ResourceValidationArgs, report: ReportViolation) -> None:
    _kms_key_id(args, report, SECRETSMANAGER_SECRET, "secret")
    if args.resource_type != SECRETSMANAGER_SECRET:
        return
    replicas = plain(args.props).get("replicas")
    if is_unknown(replicas):
        return
    for i, replica in enumerate(as_list(replicas)):
        key = dig(replica, "kmsKeyId")
        if is_unknown(key) or customer_key(key):
            continue
        # A replica without a key is encrypted with its region's aws/secretsmanager key (provider docs).
        report(
            message(
                f"replicas[{i}] is not encrypted with a customer-managed KMS key: the copy in that region "
                "falls back to aws/secretsmanager",
                f"Set replicas[{i}].kms_key_id to a customer-managed key of the replica's region",
            ),
            None,
        )


# Source: checkov CKV_AWS_158 ("Ensure that CloudWatch Log Group is encrypted by KMS"); the audit log
# records which Secrets were read.
AWS_CLOUDWATCH_LOG_GROUP_KMS = ResourceValidationPolicy(
    name="aws-cloudwatch-log-group-kms",
    description="CloudWatch log groups must be encrypted with a customer-managed KMS key.",
    validate=_log_group_kms,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    config_schema=schema(),
    remediation_steps="Set kms_key_id to a customer-managed KMS key ARN.",
)

# Source: checkov CKV_AWS_149 ("Ensure that Secrets Manager secret is encrypted using KMS CMK"); Secrets
# Manager docs, "Replicate secrets across Regions" (each replica is encrypted with the key given for its
# Region, else that Region's aws/secretsmanager).
AWS_SECRETSMANAGER_SECRET_KMS = ResourceValidationPolicy(
    name="aws-secretsmanager-secret-kms",
    description="Secrets Manager secrets and their replicas must be encrypted with a customer-managed KMS key.",
    validate=_secretsmanager_secret_kms,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Set kms_key_id to a customer-managed KMS key ARN (not aws/secretsmanager).",
)


def _sns_topic_kms(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != SNS_TOPIC:
        return
    key = plain(args.props).get("kmsMasterKeyId")
    if is_unknown(key):
        return
    if not customer_key(key):
        finding = (
            "The topic is encrypted with the AWS-managed key alias/aws/sns, whose policy nobody can narrow"
            if key
            else "The topic is not encrypted at rest"
        )
        report(
            message(finding, "Set kms_master_key_id to the ARN of a customer-managed KMS key"),
            None,
        )


# Source: checkov CKV_AWS_26 ("Ensure all data stored in the SNS topic is encrypted"); AWS Security
# Hub SNS.1 ("SNS topics should be encrypted at-rest using AWS KMS"). The alarm topic carries which
# secrets were read, by whom: a customer-managed key lets its policy decide who may decrypt it.
AWS_SNS_TOPIC_KMS = ResourceValidationPolicy(
    name="aws-sns-topic-kms",
    description="SNS topics must be encrypted with a customer-managed KMS key.",
    validate=_sns_topic_kms,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    config_schema=schema(),
    remediation_steps="Set kms_master_key_id to a customer-managed KMS key ARN (not alias/aws/sns).",
)


def _cloudtrail_integrity(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != CLOUDTRAIL_TRAIL:
        return
    cfg = settings(args, AWS_CLOUDTRAIL_TRAIL_INTEGRITY.config_schema)
    props = plain(args.props)
    validation = props.get("enableLogFileValidation")
    if not is_unknown(validation) and validation is not True:
        report(
            message(
                "Log file validation is off, so a deleted or altered log file would go unnoticed",
                "Set enable_log_file_validation=True",
            ),
            None,
        )
    key = props.get("kmsKeyId")
    if not is_unknown(key) and not customer_key(key):
        report(
            message(
                "The trail's log files are not encrypted with a customer-managed KMS key (only SSE-S3)",
                "Set kms_key_id to the ARN of a customer-managed KMS key whose policy lets CloudTrail use it",
            ),
            None,
        )
    multi_region = props.get("isMultiRegionTrail")
    if cfg["requireMultiRegion"] and not is_unknown(multi_region) and multi_region is not True:
        report(
            message(
                "The trail records only its own region, so secrets read or keys used from any other "
                "region leave no record",
                "Set is_multi_region_trail=True",
            ),
            None,
        )


# Source: CIS AWS Foundations Benchmark v1.5.0, 3.1 ("Ensure CloudTrail is enabled in all regions"),
# 3.2 ("Ensure CloudTrail log file validation is enabled"), 3.7 ("Ensure CloudTrail logs are encrypted
# at rest using KMS CMKs"); checkov CKV_AWS_67, CKV_AWS_36, CKV_AWS_35.
AWS_CLOUDTRAIL_TRAIL_INTEGRITY = ResourceValidationPolicy(
    name="aws-cloudtrail-trail-integrity",
    description="CloudTrail trails must validate log files, encrypt them with a customer-managed KMS key "
    "and record every region.",
    validate=_cloudtrail_integrity,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        requireMultiRegion={
            "type": "boolean",
            "default": True,
            "description": "Whether trails must be multi-region (CIS AWS 3.1); false allows one-region trails.",
        }
    ),
    remediation_steps="Set enable_log_file_validation=True, kms_key_id to a customer-managed key and "
    "is_multi_region_trail=True.",
)


def _secretsmanager_recovery_window(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != SECRETSMANAGER_SECRET:
        return
    cfg = settings(args, AWS_SECRETSMANAGER_SECRET_RECOVERY_WINDOW.config_schema)
    window = plain(args.props).get("recoveryWindowInDays")
    if is_unknown(window):
        return
    days = as_number(window)
    days = SECRETSMANAGER_DEFAULT_RECOVERY_WINDOW_DAYS if days is None else days
    limit = cfg["minRecoveryWindowDays"]
    if days <= 0:
        report(
            message(
                "A deletion of this secret is immediate and unrecoverable (recovery_window_in_days=0)",
                f"Set recovery_window_in_days to at least {limit}, or leave it unset (30 days)",
            ),
            None,
        )
    elif days < limit:
        report(
            message(
                f"A deleted secret stays recoverable for only {days:g} days, fewer than the {limit} required",
                f"Set recovery_window_in_days to at least {limit}",
            ),
            None,
        )


# Source: Secrets Manager API reference, DeleteSecret ("RecoveryWindowInDays: 7 to 30 days, 30 by
# default"; ForceDeleteWithoutRecovery deletes at once); pulumi-aws docs ("0 to force deletion without
# recovery"). A secret deleted by mistake takes every reader's credential with it.
AWS_SECRETSMANAGER_SECRET_RECOVERY_WINDOW = ResourceValidationPolicy(
    name="aws-secretsmanager-secret-recovery-window",
    description="Secrets Manager secrets must stay recoverable for at least minRecoveryWindowDays after deletion.",
    validate=_secretsmanager_recovery_window,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    config_schema=schema(
        minRecoveryWindowDays={
            "type": "integer",
            "minimum": 7,
            "maximum": 30,
            "default": 7,
            "description": "Fewest days a deleted secret must stay recoverable (Secrets Manager: 7-30; 0 "
            "forces deletion and is never allowed).",
        }
    ),
    remediation_steps="Set recovery_window_in_days within the limit (never 0), or leave the 30-day default.",
)


def _lambda_environment_kms(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != LAMBDA_FUNCTION:
        return
    props = plain(args.props)
    if unknown_at(props, "environment", "variables"):
        return
    variables = dig(props, "environment", "variables")
    key = props.get("kmsKeyArn")
    if not isinstance(variables, dict) or not variables or is_unknown(key):
        return
    if not customer_key(key):
        report(
            message(
                "The function's environment variables are encrypted only with the AWS-managed key "
                "alias/aws/lambda, which anyone allowed to read the function can use",
                "Set kms_key_arn to the ARN of a customer-managed KMS key",
            ),
            None,
        )


# Source: checkov CKV_AWS_173 ("Check encryption settings for Lambda environmental variable"); Lambda
# developer guide, "Securing environment variables" (a customer managed key lets its key policy decide
# who may decrypt them).
AWS_LAMBDA_FUNCTION_ENVIRONMENT_KMS = ResourceValidationPolicy(
    name="aws-lambda-function-environment-kms",
    description="Lambda functions with environment variables must encrypt them with a customer-managed KMS "
    "key.",
    validate=_lambda_environment_kms,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    config_schema=schema(),
    remediation_steps="Set kms_key_arn to a customer-managed KMS key ARN (not alias/aws/lambda).",
)


def _vault_properties(args: ResourceValidationArgs) -> dict[str, Any] | None:
    if args.resource_type != KEY_VAULT:
        return None
    properties = plain(args.props).get("properties")
    return properties if isinstance(properties, dict) else None


def _keyvault_soft_delete(args: ResourceValidationArgs, report: ReportViolation) -> None:
    properties = _vault_properties(args)
    if properties is None:
        return
    cfg = settings(args, AZURE_KEYVAULT_SOFT_DELETE.config_schema)
    enabled = properties.get("enableSoftDelete")
    retention = properties.get("softDeleteRetentionInDays")
    if is_unknown(enabled) or is_unknown(retention):
        return
    if enabled is not True:
        report(
            message(
                "Soft delete is not enabled explicitly",
                "Set properties.enable_soft_delete=True",
            ),
            None,
        )
    days = as_number(retention) or KEY_VAULT_DEFAULT_RETENTION_DAYS
    if days < cfg["minRetentionDays"]:
        report(
            message(
                f"Deleted objects stay recoverable for {days:g} days, fewer than the {cfg['minRetentionDays']} "
                "required",
                f"Set properties.soft_delete_retention_in_days to at least {cfg['minRetentionDays']}",
            ),
            None,
        )


# Source: CIS Microsoft Azure Foundations Benchmark, Key Vault, "Ensure the Key Vault is Recoverable";
# checkov CKV_AZURE_42.
AZURE_KEYVAULT_SOFT_DELETE = ResourceValidationPolicy(
    name="azure-keyvault-soft-delete",
    description="Key Vaults must enable soft delete with at least minRetentionDays of retention.",
    validate=_keyvault_soft_delete,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        minRetentionDays={
            "type": "integer",
            "minimum": 7,
            "maximum": 90,
            "default": 90,
            "description": "Fewest days a deleted vault, key or secret must stay recoverable (Azure: 7-90).",
        }
    ),
    remediation_steps="Set enable_soft_delete=True and soft_delete_retention_in_days within the limit.",
)


def _keyvault_purge_protection(args: ResourceValidationArgs, report: ReportViolation) -> None:
    properties = _vault_properties(args)
    if properties is None or is_unknown(properties.get("enablePurgeProtection")):
        return
    if properties.get("enablePurgeProtection") is not True:
        report(
            message(
                "Purge protection is off, so a deleted vault and its keys can be destroyed at once",
                "Set properties.enable_purge_protection=True",
            ),
            None,
        )


# Source: CIS Microsoft Azure Foundations Benchmark, Key Vault, "Ensure the Key Vault is Recoverable";
# checkov CKV_AZURE_110.
AZURE_KEYVAULT_PURGE_PROTECTION = ResourceValidationPolicy(
    name="azure-keyvault-purge-protection",
    description="Key Vaults must enable purge protection.",
    validate=_keyvault_purge_protection,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Set properties.enable_purge_protection=True.",
)


def _protect(args: ResourceValidationArgs, report: ReportViolation, kinds: tuple[str, ...]) -> None:
    if args.resource_type not in kinds:
        return
    if not args.opts.protect:
        report(
            message(
                "The resource is not protected, so `pulumi destroy` or a replacement could delete it and "
                "every secret it encrypts",
                "Pass opts=pulumi.ResourceOptions(protect=True)",
            ),
            None,
        )


def _kms_key_protect(args: ResourceValidationArgs, report: ReportViolation) -> None:
    _protect(args, report, (KMS_KEY,))


def _keyvault_protect(args: ResourceValidationArgs, report: ReportViolation) -> None:
    _protect(args, report, (KEY_VAULT, KEYVAULT_KEY))


# Source: KMS developer guide, "Deleting AWS KMS keys" (deleting a key makes everything it encrypted
# unrecoverable); `protect` makes the engine refuse to delete the resource.
AWS_KMS_KEY_PROTECT = ResourceValidationPolicy(
    name="aws-kms-key-protect",
    description="KMS keys must be declared with the protect option.",
    validate=_kms_key_protect,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Declare the key with ResourceOptions(protect=True).",
)

# Source: Azure Key Vault docs, "Azure Key Vault recovery management" (a purged vault takes its keys).
AZURE_KEYVAULT_PROTECT = ResourceValidationPolicy(
    name="azure-keyvault-protect",
    description="Key Vaults and Key Vault keys must be declared with the protect option.",
    validate=_keyvault_protect,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Declare the vault and its keys with ResourceOptions(protect=True).",
)


def _kms_deletion_window(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != KMS_KEY:
        return
    cfg = settings(args, AWS_KMS_KEY_DELETION_WINDOW.config_schema)
    window = plain(args.props).get("deletionWindowInDays")
    if is_unknown(window):
        return
    days = as_number(window) or KMS_DEFAULT_DELETION_WINDOW_DAYS
    if days < cfg["minDeletionWindowDays"]:
        report(
            message(
                f"A scheduled deletion of this key waits only {days:g} days, fewer than the "
                f"{cfg['minDeletionWindowDays']} required to notice and cancel it",
                f"Set deletion_window_in_days to at least {cfg['minDeletionWindowDays']}",
            ),
            None,
        )


# Source: KMS developer guide, "Deleting AWS KMS keys" (7 to 30 days, 30 by default).
AWS_KMS_KEY_DELETION_WINDOW = ResourceValidationPolicy(
    name="aws-kms-key-deletion-window",
    description="KMS keys must wait at least minDeletionWindowDays before a scheduled deletion.",
    validate=_kms_deletion_window,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    config_schema=schema(
        minDeletionWindowDays={
            "type": "integer",
            "minimum": 7,
            "maximum": 30,
            "default": 30,
            "description": "Fewest days between scheduling a key's deletion and the deletion (KMS: 7-30).",
        }
    ),
    remediation_steps="Set deletion_window_in_days within the limit (30 is the KMS default).",
)


POLICIES = [
    AWS_EKS_CLUSTER_SECRETS_ENCRYPTION,
    AZURE_AKS_CLUSTER_KMS,
    AWS_CLOUDWATCH_LOG_GROUP_KMS,
    AWS_SECRETSMANAGER_SECRET_KMS,
    AZURE_KEYVAULT_SOFT_DELETE,
    AZURE_KEYVAULT_PURGE_PROTECTION,
    AWS_KMS_KEY_PROTECT,
    AZURE_KEYVAULT_PROTECT,
    AWS_KMS_KEY_DELETION_WINDOW,
    AWS_SNS_TOPIC_KMS,
    AWS_CLOUDTRAIL_TRAIL_INTEGRITY,
    AWS_SECRETSMANAGER_SECRET_RECOVERY_WINDOW,
    AWS_LAMBDA_FUNCTION_ENVIRONMENT_KMS,
]
