"""An AWS identity that syncs one workload's Secrets Manager secrets, and nothing the workload's pods hold.

The workload's pods never get AWS credentials. The External Secrets Operator (ESO) requests a token
for a dedicated ServiceAccount, `<workload>-secret-sync`, and exchanges it with STS
(`AssumeRoleWithWebIdentity`) for this role; it then reads the granted secrets and writes them into
Kubernetes Secrets the pods mount. The role trusts exactly that one ServiceAccount of that one
namespace (`StringEquals` on `sub` and `aud`, EKS user guide "Configure a Kubernetes service account
to assume an IAM role"), and may read exactly the secrets granted, decrypting with the store key only
through Secrets Manager (`kms:ViaService`).

`identity_policies()` builds both documents as a pure function, so they are checked (parliament, the
policy pack's web-identity rule) without Pulumi.
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints`, which cannot evaluate string annotations once the module has been dropped
# from `sys.modules` (as the offline runner does between stacks); see components/aws/foundation.py.
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.aws.foundation import AWS_REGION_PATTERN
from components.kubernetes.sync_identity import (
    SYNC_COMPONENT_LABELS,
    service_account_subject,
    sync_service_account_name,
)
from config.models import Workload

ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"
"""The annotation ESO's AWS `jwt` auth reads the role from (ESO providers/v1/aws/auth/auth.go); the
same one the EKS Pod Identity webhook reads."""

TOKEN_AUDIENCE = "sts.amazonaws.com"
"""Audience of the ServiceAccount token ESO requests (its default) and the only one the role trusts."""

WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity"

SECRET_READ_ACTIONS = ("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue")
"""What ESO calls on a Secrets Manager secret (`GetSecretValue`, and `DescribeSecret` for metadata and
versions); nothing that lists, writes or changes a policy."""

KEY_DECRYPT_ACTIONS = ("kms:Decrypt",)
"""Reading a secret encrypted with a customer-managed key needs `kms:Decrypt` on it (Secrets Manager
user guide, "Secret encryption and decryption")."""

_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$")


@dataclass(frozen=True, kw_only=True)
class SyncIdentityPolicies:
    """The two documents of a sync role, as JSON text."""

    trust: str
    """Trust policy (`assume_role_policy`): one ServiceAccount of one namespace, web identity only."""
    permissions: str
    """Inline identity policy: read the granted secrets, decrypt through Secrets Manager only."""


def trust_policy(oidc_provider_arn: str, oidc_issuer: str, namespace: str, service_account: str) -> str:
    """A trust policy letting exactly one ServiceAccount assume the role with its token.

    `oidc_issuer` is the issuer without `https://`, as IAM names the condition keys. Both conditions
    use `StringEquals`: a `StringLike` on `sub` with a wildcard would trust every ServiceAccount.
    """
    issuer = oidc_issuer.removeprefix("https://")
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AssumeFromOneServiceAccount",
                    "Effect": "Allow",
                    "Principal": {"Federated": oidc_provider_arn},
                    "Action": [WEB_IDENTITY_ACTION],
                    "Condition": {
                        "StringEquals": {
                            f"{issuer}:sub": service_account_subject(namespace, service_account),
                            f"{issuer}:aud": TOKEN_AUDIENCE,
                        }
                    },
                }
            ],
        }
    )


def secret_read_policy(secret_arns: Sequence[str], store_key_arn: str, region: str) -> str:
    """An identity policy reading exactly these secrets, decrypting with the store key only for them.

    `kms:ViaService` limits `Decrypt` to requests Secrets Manager makes on the role's behalf in this
    region, so the role cannot decrypt anything else encrypted with the same key (KMS developer guide,
    "kms:ViaService").
    """
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ReadGrantedSecrets",
                    "Effect": "Allow",
                    "Action": list(SECRET_READ_ACTIONS),
                    "Resource": sorted(set(secret_arns)),
                },
                {
                    "Sid": "DecryptThroughSecretsManager",
                    "Effect": "Allow",
                    "Action": list(KEY_DECRYPT_ACTIONS),
                    "Resource": [store_key_arn],
                    "Condition": {
                        "StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}
                    },
                },
            ],
        }
    )


def identity_policies(
    *,
    oidc_provider_arn: str,
    oidc_issuer: str,
    namespace: str,
    service_account: str,
    secret_arns: Sequence[str],
    store_key_arn: str,
    region: str,
) -> SyncIdentityPolicies:
    """Both documents of a sync role; pure, so tests and linters read them without Pulumi."""
    return SyncIdentityPolicies(
        trust=trust_policy(oidc_provider_arn, oidc_issuer, namespace, service_account),
        permissions=secret_read_policy(secret_arns, store_key_arn, region),
    )


@dataclass(frozen=True, kw_only=True)
class SecretSyncIdentityArgs:
    workload: Workload
    """The workload whose cloud secrets are synced; the ServiceAccount goes in its namespace."""
    secret_arns: Mapping[str, pulumi.Input[str]]
    """Catalogue name -> ARN of the Secrets Manager secret the role may read (exact ARNs, no wildcard)."""
    oidc_provider_arn: pulumi.Input[str]
    """ARN of the cluster's IAM OIDC provider (`AwsFoundation.oidc_provider_arn`)."""
    oidc_issuer: pulumi.Input[str]
    """The cluster's OIDC issuer without `https://` (`AwsFoundation.oidc_issuer`)."""
    store_key_arn: pulumi.Input[str]
    """ARN of the KMS key that encrypts the secrets (`AwsFoundation.store_key_id`)."""
    region: str
    """Region of the secrets (the stack's `aws:region`), for `kms:ViaService`."""
    namespace: pulumi.Input[str] | None = None
    """The Namespace's name output (its value must be the workload's namespace), so the ServiceAccount
    waits for the namespace; the workload's namespace name when not given."""


def check_identity_args(args: SecretSyncIdentityArgs) -> list[str]:
    """Why these arguments cannot make a sync identity (empty when they can); pure, tested without mocks.

    ARNs known at declaration time are checked; ARNs that are outputs of other resources are exact by
    construction (a Secrets Manager secret's `arn`).
    """
    where = f"secret sync identity of {args.workload.name!r}"
    problems = []
    if not args.secret_arns:
        problems.append(
            f"{where}: no secret is granted; declare no sync identity for a workload without cloud secrets"
        )
    for name, arn in sorted(args.secret_arns.items(), key=lambda item: item[0]):
        if isinstance(arn, str) and not _SECRET_ARN.match(arn):
            problems.append(
                f"{where}: {name!r} is granted {arn!r}, which is not the exact ARN of a Secrets Manager "
                "secret; pass the secret's `arn` output"
            )
    if not AWS_REGION_PATTERN.match(args.region):
        problems.append(f"{where}: region {args.region!r} is not an AWS region such as eu-west-1")
    return problems


class SecretSyncIdentity(pulumi.ComponentResource):
    """A ServiceAccount only ESO uses, and the IAM role it may assume to read one workload's secrets."""

    service_account_name: pulumi.Output[str]
    """Name of the sync ServiceAccount (`<workload>-secret-sync`), for the SecretStore's `jwt` auth."""
    namespace: pulumi.Output[str]
    """Namespace of the sync ServiceAccount (the workload's)."""
    role_arn: pulumi.Output[str]
    """ARN of the IAM role, as annotated on the ServiceAccount."""
    principal: pulumi.Output[str]
    """The role's ARN, as CloudTrail names its sessions' issuer (the audit's expected readers)."""
    role_name: pulumi.Output[str]
    """Name of the IAM role, for audit reports."""

    def __init__(
        self, name: str, args: SecretSyncIdentityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_identity_args(args)
        if problems:
            raise ValueError("; ".join(problems))
        super().__init__("secrets-platform:aws_workload_identity:SecretSyncIdentity", name, None, opts)
        workload = args.workload
        service_account = sync_service_account_name(workload.name)
        role = _role(name, args, service_account, self)
        account = k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata={
                "name": service_account,
                "namespace": args.namespace if args.namespace is not None else workload.namespace_name,
                "labels": {**SYNC_COMPONENT_LABELS, "secrets-platform/workload": workload.name},
                "annotations": {ROLE_ARN_ANNOTATION: role.arn},
            },
            # No pod runs as this account: ESO requests its tokens through the TokenRequest API.
            automount_service_account_token=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.service_account_name = account.metadata.name
        self.namespace = account.metadata.namespace
        self.role_arn = role.arn
        self.principal = role.arn
        self.role_name = role.name
        self.register_outputs(
            {
                "service_account_name": self.service_account_name,
                "namespace": self.namespace,
                "role_arn": self.role_arn,
                "role_name": self.role_name,
            }
        )


def _role(
    name: str, args: SecretSyncIdentityArgs, service_account: str, parent: pulumi.Resource
) -> aws.iam.Role:
    """The role with its trust policy, and its inline read policy as a `RolePolicy` child."""
    workload = args.workload
    namespace = workload.namespace_name
    secret_names = sorted(args.secret_arns)
    trust = pulumi.Output.all(args.oidc_provider_arn, args.oidc_issuer).apply(
        lambda values: trust_policy(values[0], values[1], namespace, service_account)
    )
    role = aws.iam.Role(
        f"{name}-role",
        description=f"ESO reads the Secrets Manager secrets of {namespace}/{workload.name} "
        f"as ServiceAccount {service_account}",
        assume_role_policy=trust,
        # One hour is the shortest session AssumeRoleWithWebIdentity allows for a role (IAM default).
        max_session_duration=3600,
        tags={"secrets-platform/workload": workload.name, "secrets-platform/namespace": namespace},
        opts=pulumi.ResourceOptions(parent=parent),
    )
    permissions = pulumi.Output.all(args.store_key_arn, *(args.secret_arns[n] for n in secret_names)).apply(
        lambda values: secret_read_policy(values[1:], values[0], args.region)
    )
    aws.iam.RolePolicy(
        f"{name}-read-secrets",
        role=role.name,
        policy=permissions,
        opts=pulumi.ResourceOptions(parent=role),
    )
    return role
