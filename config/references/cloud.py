"""The cloud block, the region and the names each cloud derives from the config."""

from __future__ import annotations

from config import aws_names
from config import azure_names as az
from config.errors import Problem, describe
from config.models import CloudSecret, StackConfig
from config.patterns import AWS_REGION, AZURE_LOCATION
from config.references._common import NS


def check_aws_names(cfg: StackConfig) -> list[Problem]:
    """Names AWS resources take from `cluster.name`, checked before any resource exists."""
    if cfg.cloud != "aws":
        return []
    rotation = any(isinstance(s, CloudSecret) and s.store == "default" and s.generate for s in cfg.secrets)
    problems = aws_names.name_problems(cfg.cluster.name, rotation=rotation, cms_database=cfg.cms.enabled)
    return [Problem(f"{NS}cluster.name", describe(cfg.cluster.name), expected) for expected in problems]


def check_cloud(cfg: StackConfig) -> list[Problem]:
    problems = []
    other = "azure" if cfg.cloud == "aws" else "aws"
    if getattr(cfg, cfg.cloud) is None:
        problems.append(
            Problem(f"{NS}{cfg.cloud}", "nothing", f"a {NS}{cfg.cloud} block, since cloud is {cfg.cloud}")
        )
    if getattr(cfg, other) is not None:
        problems.append(
            Problem(
                f"{NS}{other}",
                f"a {other} block",
                f"no {other} block while cloud is {cfg.cloud} (remove it, or set cloud: {other})",
            )
        )
    region_key = "aws:region" if cfg.cloud == "aws" else "azure-native:location"
    pattern = AWS_REGION if cfg.cloud == "aws" else AZURE_LOCATION
    if not cfg.region:
        problems.append(Problem(region_key, "nothing", f"the region of the stack, set as {region_key}"))
    elif not pattern.match(cfg.region):
        what = (
            "an AWS region name such as eu-west-1"
            if cfg.cloud == "aws"
            else "an Azure location such as westeurope"
        )
        problems.append(Problem(region_key, describe(cfg.region), what))
    return problems


LOG_ANALYTICS_RETENTION = (30, 730)
"""Days a Log Analytics workspace (pay-as-you-go) keeps data (Workspace API, `retentionInDays`)."""


def check_azure(cfg: StackConfig) -> list[Problem]:
    """Limits only Azure knows, checked before anything is declared (names of derived resources,
    Key Vault's firewall and secret names, the workspace's retention, the VNet's space)."""
    azure = cfg.azure
    if cfg.cloud != "azure" or azure is None:
        return []
    problems = []
    cluster = cfg.cluster.name
    if len(cluster) > az.AKS_DNS_PREFIX_MAX:
        problems.append(
            Problem(
                f"{NS}cluster.name",
                f"{describe(cluster)} ({len(cluster)} characters)",
                f"at most {az.AKS_DNS_PREFIX_MAX} characters: AKS uses the name as the cluster's DNS prefix",
            )
        )
    low, high = LOG_ANALYTICS_RETENTION
    if not low <= cfg.cluster.log_retention_days <= high:
        problems.append(
            Problem(
                f"{NS}cluster.logRetentionDays",
                describe(cfg.cluster.log_retention_days),
                f"{low} to {high} days on Azure (the Log Analytics workspace's retention)",
            )
        )
    for i, cidr in enumerate(azure.key_vault_allowed_cidrs):
        problem = az.firewall_cidr_problem(cidr)
        if problem:
            problems.append(Problem(f"{NS}azure.keyVaultAllowedCidrs[{i}]", describe(cidr), problem))
    network_problem = az.network_problem(azure.network_cidr)
    if network_problem:
        problems.append(Problem(f"{NS}azure.networkCidr", describe(azure.network_cidr), network_problem))
    names = [
        (f"{NS}cluster.name", az.LOG_ANALYTICS_WORKSPACE, az.log_workspace_name(cluster)),
        (f"{NS}cluster.name", az.DATA_COLLECTION_RULE, az.container_logs_rule_name(cluster)),
        (f"{NS}azure.keyVaultName", az.FUNCTION_APP, az.rotation_function_app_name(azure.key_vault_name)),
        (
            f"{NS}azure.keyVaultName",
            az.STORAGE_ACCOUNT,
            az.rotation_storage_account_name(azure.key_vault_name),
        ),
    ]
    if cfg.vault is not None:
        names += [
            (f"{NS}cluster.name", az.DATA_COLLECTION_ENDPOINT, az.vault_audit_ingestion_name(cluster)),
            (f"{NS}cluster.name", az.DATA_COLLECTION_RULE, az.vault_audit_ingestion_name(cluster)),
        ]
    for i, entry in enumerate(cfg.secrets):
        if isinstance(entry, CloudSecret) and entry.store == "default":
            names.append(
                (f"{NS}secrets[{i}].name", az.KEY_VAULT_SECRET, az.keyvault_secret_name(cluster, entry.name))
            )
    for i, workload in enumerate(cfg.workloads):
        names.append(
            (
                f"{NS}workloads[{i}].name",
                az.USER_ASSIGNED_IDENTITY,
                az.workload_identity_name(cluster, workload.name),
            )
        )
        names.append(
            (f"{NS}workloads[{i}].name", az.FEDERATED_CREDENTIAL, az.federated_credential_name(workload.name))
        )
    for key, rule, name in names:
        problem = az.name_problem(rule, name)
        if problem:
            problems.append(Problem(key, describe(name, limit=140), problem))
    return problems
