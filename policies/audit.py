"""Audit: every store and cluster records who touched a secret, the record never holds a value in clear,
and the cluster's KMS key version is recent.

- AWS: the CloudTrail trail keeps logging and records management read events (GetSecretValue, Decrypt),
  KMS events included; an EKS cluster sends its API server's audit log (every read of a Secret) and its
  authenticator's log (who that was) to CloudWatch.

- Azure: a Key Vault without an `AuditEvent` diagnostic setting and an AKS cluster without `kube-audit`
  leave no record of who read a secret; the platform's alerts read those logs. AKS's KMS names one
  version of its key; once that version is older than the key's rotation period, the cluster has not
  followed a rotation, and when the version expires the API server can no longer encrypt (AKS docs,
  "KMS observability": `KeyExpired`).
- Vault: a stack that declares anything on a Vault declares an audit device there too. Vault HMACs
  every string of request and response data in its audit entries unless a device logs raw (`log_raw`),
  or a mount exempts keys from the HMAC (`audit_non_hmac_request_keys`/`_response_keys`): both would
  write secret values to the log in clear.
"""

from __future__ import annotations

import time

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies._support import (
    as_list,
    as_number,
    dig,
    is_unknown,
    message,
    plain,
    provider_urn,
    schema,
    settings,
    unknown_at,
)

AKS_CLUSTER = "azure-native:containerservice:ManagedCluster"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
KEY_VAULT = "azure-native:keyvault:Vault"
DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
KMS_KEY_VERSION_CREATED_TAG = "secrets-platform/kms-key-version-created"
"""The platform tags its cluster with the creation time (epoch seconds) of the KMS key version it names."""
REQUIRED_LOGS = {KEY_VAULT: "AuditEvent", AKS_CLUSTER: "kube-audit"}
"""The log category each kind must send somewhere: Key Vault's data-plane audit, the API server's audit
(`kube-audit-admin` leaves out get and list, the reads of Secrets)."""


def _kms_key_version_age(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != AKS_CLUSTER:
        return
    cfg = settings(args, AZURE_AKS_CLUSTER_KMS_KEY_VERSION_AGE.config_schema)
    props = plain(args.props)
    if unknown_at(props, "securityProfile", "azureKeyVaultKms", "enabled") or unknown_at(props, "tags"):
        return
    if dig(props, "securityProfile", "azureKeyVaultKms", "enabled") is not True:
        return  # azure-aks-cluster-kms reports a cluster without KMS
    created = dig(props, "tags", KMS_KEY_VERSION_CREATED_TAG)
    if is_unknown(created):
        return
    limit = cfg["maxKeyVersionAgeDays"]
    seconds = as_number(created)
    if seconds is None:
        report(
            message(
                f"The cluster does not record when its KMS key version was created (tag {KMS_KEY_VERSION_CREATED_TAG})",
                "Read the key's current version at deployment (keyvault.get_key_output) and tag the cluster with "
                "its attributes.created",
            ),
            None,
        )
        return
    age = (time.time() - seconds) / 86400
    if age > limit:
        report(
            message(
                f"The cluster's KMS key version is {age:.0f} days old, older than the {limit}-day rotation period",
                "Deploy with the key's current version (its rotation policy creates one every rotation period) "
                "and re-encrypt the Secrets with it",
            ),
            None,
        )


# Source: AKS docs, "Add Key Management Service etcd encryption" ("Rotate existing keys"; KMS
# observability: `KeyExpired`); CIS Microsoft Azure Foundations Benchmark, Key Vault, key rotation.
AZURE_AKS_CLUSTER_KMS_KEY_VERSION_AGE = ResourceValidationPolicy(
    name="azure-aks-cluster-kms-key-version-age",
    description="AKS clusters must name a KMS key version younger than the key's rotation period.",
    validate=_kms_key_version_age,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        maxKeyVersionAgeDays={
            "type": "integer",
            "minimum": 1,
            "default": 97,
            "description": "Days a KMS key version may be named after its creation: the rotation period "
            "(90) and a week for the rotation and the next deployment.",
        }
    ),
    remediation_steps="Run the deployment (it reads the key's current version) and re-encrypt the Secrets.",
)


def _diagnosed(resource: PolicyResource, settings_: list[PolicyResource]) -> bool | None:
    """Whether some diagnostic setting sends the resource's required log; None when it cannot be told."""
    category = REQUIRED_LOGS[resource.resource_type]
    unknown = False
    for setting in settings_:
        targets = setting.property_dependencies.get("resourceUri") or []
        props = plain(setting.props)
        uri = props.get("resourceUri")
        if resource not in targets:
            if is_unknown(uri):
                unknown = True
            continue
        if unknown_at(props, "logs"):
            unknown = True
            continue
        destination = props.get("workspaceId") or props.get("storageAccountId") or props.get("eventHubName")
        for log in as_list(props.get("logs")):
            if (
                destination
                and isinstance(log, dict)
                and log.get("category") == category
                and log.get("enabled") is True
            ):
                return True
    return None if unknown else False


def _audit_diagnostics(args: StackValidationArgs, report: ReportViolation) -> None:
    settings_ = [r for r in args.resources if r.resource_type == DIAGNOSTIC_SETTING]
    for resource in args.resources:
        if resource.resource_type not in REQUIRED_LOGS:
            continue
        if _diagnosed(resource, settings_) is False:
            category = REQUIRED_LOGS[resource.resource_type]
            report(
                message(
                    f"Nothing records the resource's {category} log, so no one can tell who read its secrets",
                    "Declare a monitor.DiagnosticSetting with resource_uri=<the resource>.id sending the "
                    f"{category} category to a Log Analytics workspace",
                ),
                resource.urn,
            )


# Source: CIS Microsoft Azure Foundations Benchmark, Logging and Monitoring, "Ensure that logging for
# Azure Key Vault is Enabled" (AuditEvent); AKS docs, "Monitor AKS" (resource logs: kube-audit).
AZURE_AUDIT_DIAGNOSTIC_SETTINGS = StackValidationPolicy(
    name="azure-monitor-diagnostic-settings-audit",
    description="Key Vaults and AKS clusters must send their audit logs to a workspace.",
    validate=_audit_diagnostics,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Add a DiagnosticSetting for AuditEvent (vaults) and kube-audit (AKS) to a workspace.",
)


# --- AWS CloudTrail -------------------------------------------------------------------------------

CLOUDTRAIL_TRAIL = "aws:cloudtrail/trail:Trail"
_READ_TYPES = ("All", "ReadOnly")
"""Event selector read/write types that record reads such as GetSecretValue and Decrypt (CloudTrail API
reference, EventSelector.ReadWriteType; default All)."""


def _selector_records_reads(selector: dict) -> bool | None:
    """Whether a basic event selector records management reads (None when unknown)."""
    if any(is_unknown(selector.get(k)) for k in ("includeManagementEvents", "readWriteType")):
        return None
    if selector.get("includeManagementEvents") is False:
        return False
    return (selector.get("readWriteType") or "All") in _READ_TYPES


def _advanced_records_reads(selector: dict) -> bool:
    """Whether an advanced selector records management read events (eventCategory Management, and no
    readOnly field that keeps only writes)."""
    fields = {str(f.get("field")): f for f in as_list(selector.get("fieldSelectors")) if isinstance(f, dict)}
    category = fields.get("eventCategory")
    if not category or "Management" not in as_list(category.get("equals")):
        return False
    read_only = fields.get("readOnly")
    return not (read_only and as_list(read_only.get("equals")) == ["false"])


def _trail_logging(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != CLOUDTRAIL_TRAIL:
        return
    props = plain(args.props)
    fix = "Set enable_logging=True and record management events of every read/write type, KMS included"
    enabled = props.get("enableLogging")
    if not is_unknown(enabled) and enabled is False:
        report(message("The trail is stopped (enable_logging=False), so it records nothing", fix), None)
    selectors = props.get("eventSelectors")
    if isinstance(selectors, list) and selectors:
        reads = [_selector_records_reads(s) for s in selectors if isinstance(s, dict)]
        if None not in reads and not any(reads):
            report(
                message(
                    "No event selector records management read events, so GetSecretValue and Decrypt calls "
                    "leave no record",
                    fix,
                ),
                None,
            )
        excluded = [
            s
            for s in selectors
            if isinstance(s, dict) and "kms.amazonaws.com" in as_list(s.get("excludeManagementEventSources"))
        ]
        if excluded:
            report(message("An event selector excludes KMS events, so key use leaves no record", fix), None)
    advanced = props.get("advancedEventSelectors")
    if (
        isinstance(advanced, list)
        and advanced
        and not any(_advanced_records_reads(s) for s in advanced if isinstance(s, dict))
    ):
        report(
            message(
                "No advanced event selector records management read events, so secret reads leave no record",
                fix,
            ),
            None,
        )


# Source: CIS AWS Foundations Benchmark v1.5.0, 3.1 ("Ensure CloudTrail is enabled in all regions":
# IsLogging true, management events with ReadWriteType All); CloudTrail user guide, "Logging management
# events" (KMS events may be excluded; reads are ReadOnly events).
AWS_CLOUDTRAIL_TRAIL_LOGGING = ResourceValidationPolicy(
    name="aws-cloudtrail-trail-logging",
    description="CloudTrail trails must be logging and record management read events, KMS included.",
    validate=_trail_logging,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Set enable_logging=True; keep management events with read_write_type All and KMS events.",
)


# --- Vault ---------------------------------------------------------------------------------------

AUDIT_DEVICE = "vault:index/audit:Audit"
VAULT_MOUNTS = ("vault:index/mount:Mount", "vault:database/secretsMount:SecretsMount")
VAULT_AUTH_METHODS = ("vault:jwt/authBackend:AuthBackend", "vault:index/authBackend:AuthBackend")
_TRUE = {"true", "1", "t", "yes"}


def _stack_audit_device(args: StackValidationArgs, report: ReportViolation) -> None:
    servers: dict[str, list[PolicyResource]] = {}
    for resource in args.resources:
        if resource.resource_type.startswith("vault:"):
            # An audit device audits only the Vault its own provider talks to.
            servers.setdefault(provider_urn(resource), []).append(resource)
    for declared in servers.values():
        if any(r.resource_type == AUDIT_DEVICE for r in declared):
            continue
        first = sorted(declared, key=lambda r: r.urn)[0]
        report(
            message(
                f"The stack declares {len(declared)} Vault resources on this Vault (such as this "
                f"{first.resource_type}) but no audit device there, so nobody can tell who read which secret",
                "Declare a vault.Audit device (file or socket) with the same provider as the other Vault resources",
            ),
            first.urn,
        )


# Source: Vault docs, "Audit devices" ("Enable at least one audit device"); HashiCorp's
# "Production hardening" (enable auditing).
VAULT_AUDIT_DEVICE_PRESENT = StackValidationPolicy(
    name="vault-audit-device-present",
    description="A stack that declares resources on a Vault must declare an audit device on that Vault.",
    validate=_stack_audit_device,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Declare a vault.Audit device with log_raw off.",
)


def _flag(value: object) -> bool | None:
    if value is None or is_unknown(value):
        return None
    return str(value).strip().lower() in _TRUE


def _audit_hmac(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != AUDIT_DEVICE and args.resource_type not in (*VAULT_MOUNTS, *VAULT_AUTH_METHODS):
        return
    props = plain(args.props)
    if args.resource_type == AUDIT_DEVICE:
        options = props.get("options") or {}
        if not isinstance(options, dict):
            return
        if _flag(options.get("log_raw")):
            report(
                message(
                    "The audit device logs raw (log_raw is true), so every secret value read or written "
                    "is written to the audit log in clear",
                    "Set log_raw to false (the default), so values are HMAC'd",
                ),
                None,
            )
        if _flag(options.get("hmac_accessor")) is False:
            report(
                message(
                    "The audit device logs token accessors in clear (hmac_accessor is false), so anyone "
                    "reading the log can revoke or look up those tokens",
                    "Set hmac_accessor to true (the default)",
                ),
                None,
            )
        return
    if args.resource_type in VAULT_MOUNTS:
        keys = as_list(props.get("auditNonHmacRequestKeys")) + as_list(props.get("auditNonHmacResponseKeys"))
    elif args.resource_type in VAULT_AUTH_METHODS:
        tune = dig(props, "tune") or {}
        keys = as_list(dig(tune, "auditNonHmacRequestKeys")) + as_list(dig(tune, "auditNonHmacResponseKeys"))
    else:
        return
    keys = [str(k) for k in keys if not is_unknown(k)]
    if keys:
        report(
            message(
                f"The mount exempts {len(set(keys))} key(s) from the audit HMAC, so their values are written "
                "to the audit log in clear",
                "Remove audit_non_hmac_request_keys and audit_non_hmac_response_keys",
            ),
            None,
        )


# Source: Vault docs, "Audit devices" ("Sensitive information ... is hashed with a salt using HMAC-SHA256";
# `log_raw`, `hmac_accessor`) and "sys/mounts" (`audit_non_hmac_request_keys`).
VAULT_AUDIT_DEVICE_HMAC = ResourceValidationPolicy(
    name="vault-audit-device-hmac",
    description="Vault audit logs must HMAC every secret value and token accessor, never log them in clear.",
    validate=_audit_hmac,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(),
    remediation_steps="Keep log_raw off and hmac_accessor on; exempt no key from the HMAC.",
)


def _eks_control_plane_logs(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != EKS_CLUSTER:
        return
    required = settings(args, AWS_EKS_CLUSTER_AUDIT_LOGGING.config_schema)["requiredLogTypes"]
    props = plain(args.props)
    enabled = props.get("enabledClusterLogTypes")
    if is_unknown(enabled) or any(is_unknown(t) for t in as_list(enabled)):
        return
    missing = sorted(set(required) - {str(t) for t in as_list(enabled)})
    if missing:
        report(
            message(
                f"The cluster does not send its {', '.join(missing)} control-plane log(s) to CloudWatch: reads "
                "of Secrets through the API server, and who made them, leave no record",
                f"Add {', '.join(missing)} to enabled_cluster_log_types",
            ),
            None,
        )


# Source: CIS Amazon EKS Benchmark 2.1.1 ("Enable audit Logs"); EKS docs, "Send control plane logs to
# CloudWatch Logs" (api, audit, authenticator, controllerManager, scheduler; all off by default);
# checkov CKV_AWS_37.
AWS_EKS_CLUSTER_AUDIT_LOGGING = ResourceValidationPolicy(
    name="aws-eks-cluster-audit-logging",
    description="EKS clusters must send their audit and authenticator control-plane logs to CloudWatch.",
    validate=_eks_control_plane_logs,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        requiredLogTypes={
            "type": "array",
            "items": {
                "type": "string",
                "enum": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
            },
            "default": ["audit", "authenticator"],
            "description": "Control-plane log types every EKS cluster must enable.",
        }
    ),
    remediation_steps="Set enabled_cluster_log_types to include 'audit' and 'authenticator'.",
)


POLICIES = [
    AWS_CLOUDTRAIL_TRAIL_LOGGING,
    AWS_EKS_CLUSTER_AUDIT_LOGGING,
    AZURE_AKS_CLUSTER_KMS_KEY_VERSION_AGE,
    AZURE_AUDIT_DIAGNOSTIC_SETTINGS,
    VAULT_AUDIT_DEVICE_PRESENT,
    VAULT_AUDIT_DEVICE_HMAC,
]
