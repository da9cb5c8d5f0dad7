"""The AWS secret store: one Secrets Manager secret per cloud catalogue entry, rotated for real.

Each `source: cloud` entry of the default store becomes a secret `<cluster>/<name>`, encrypted with
the stack's store key. Entries with `generate: true` also get an initial value (random, a Pulumi
secret) and a rotation schedule that calls ONE shared rotation Lambda
(`functions/secretsmanager_rotation`), which draws new values from Python's `secrets` module. The
Lambda's role may touch exactly the secrets it rotates, and the store key only through Secrets
Manager. Entries with `generate: false` get the secret alone: operators put its value.
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints`, which cannot evaluate string annotations once the module has been dropped
# from `sys.modules` (as the offline runner does between stacks).
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.aws.foundation import (
    AWS_ACCOUNT_PATTERN,
    AWS_REGION_PATTERN,
    rotation_log_group_name,
    service_trust_policy,
)
from config.aws_names import FUNCTION_NAME_MAX, rotation_function_name
from config.models import CloudSecret
from functions.package import build_zip

FUNCTION_SOURCE = Path("functions") / "secretsmanager_rotation"
"""The rotation Lambda's source, relative to the project directory."""
PACKAGE_PATH = Path("out") / "secretsmanager-rotation.zip"
"""Where the reproducible package is written, relative to the project directory (git-ignored)."""

LAMBDA_RUNTIME = "python3.12"
LAMBDA_HANDLER = "handler.lambda_handler"
LAMBDA_TIMEOUT_SECONDS = 30
"""Each step makes at most four Secrets Manager calls; AWS's rotation templates use 30 s as well."""
LAMBDA_RESERVED_CONCURRENCY = 5
"""Rotations are rare and Secrets Manager retries throttled steps; the cap bounds a runaway loop."""
LOG_RETENTION_DAYS = 365
"""Days the rotation logs are kept (one of the values CloudWatch Logs accepts)."""
BASIC_EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
"""CloudWatch Logs for the function (the Lambda developer guide's minimal execution policy)."""

ROTATION_SECRET_ACTIONS = [
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
]
"""What the four rotation steps call on a secret (AWS rotation templates, "Permissions for rotation")."""
STORE_KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"]
"""Reading a value (Decrypt) and writing a new version (GenerateDataKey) under the store key."""

KEPT_KEYS = frozenset({"username"})
"""Keys the rotation Lambda keeps (handler.KEPT_KEYS); the platform draws them once, as identities."""
USERNAME_LENGTH = 28
"""Lower-case letters of a generated username: 28 draw 131 bits, over the 128 that every generated
value must have (policy random-password-strength), and fit the 32 characters MySQL allows."""


@dataclass(frozen=True, kw_only=True)
class AwsSecretStoreArgs:
    entries: list[CloudSecret]
    """Catalogue entries with `source: cloud` and `store: default`, on a stack with `cloud: aws`."""
    cluster_name: str
    """Cluster name (`cluster.name`): secrets are `<cluster>/<entry>`, the Lambda `<cluster>-secret-rotation`."""
    store_key_arn: pulumi.Input[str]
    """ARN of the store KMS key (`AwsFoundation.store_key_id`): secrets, Lambda environment and logs."""
    recovery_window_days: int
    """Days a deleted secret stays recoverable (`aws.secretRecoveryWindowDays`, 7 to 30)."""
    project_dir: Path
    """Project directory: the Lambda source is read from it and the package written under its `out/`."""
    region: str
    """AWS region of the stack (`aws:region`), for the `kms:ViaService` condition."""
    account_id: str
    """AWS account of the stack (`aws.accountId`): only its Secrets Manager may invoke the Lambda."""
    password_length: int = 32
    """Characters of every generated value except usernames (the Lambda's `PASSWORD_LENGTH`)."""


def secret_name(cluster_name: str, entry: CloudSecret) -> str:
    """Name of an entry's secret: the cluster scopes the catalogue, so stacks never collide."""
    return f"{cluster_name}/{entry.name}"


def check_store_args(args: AwsSecretStoreArgs) -> list[str]:
    """Why these arguments cannot make the store (empty when they can); pure, tested without mocks."""
    problems = []
    seen: set[str] = set()
    for entry in args.entries:
        if not isinstance(entry, CloudSecret):
            problems.append(
                f"secret {entry.name!r} has source {entry.source!r}; the store takes cloud secrets"
            )
            continue
        if entry.store != "default":
            problems.append(f"secret {entry.name!r} is kept in store {entry.store!r}, not the AWS store")
        if entry.name in seen:
            problems.append(f"secret {entry.name!r} is listed twice")
        seen.add(entry.name)
        if entry.generate and set(entry.keys) <= KEPT_KEYS:
            problems.append(
                f"secret {entry.name!r} is generated but has only keys the rotation keeps "
                f"({', '.join(sorted(KEPT_KEYS))}); add a key to rotate, such as 'password'"
            )
    if not 7 <= args.recovery_window_days <= 30:
        problems.append(
            f"recovery window is {args.recovery_window_days} days; Secrets Manager allows 7 to 30"
        )
    if not 16 <= args.password_length <= 4096:
        problems.append(f"password length is {args.password_length}; use 16 to 4096 characters")
    if not AWS_REGION_PATTERN.match(args.region):
        problems.append(f"region {args.region!r} is not an AWS region such as eu-west-1")
    if not AWS_ACCOUNT_PATTERN.match(args.account_id):
        problems.append(f"account id {args.account_id!r} is not a 12-digit AWS account")
    if any(entry.generate for entry in args.entries):
        function_name = rotation_function_name(args.cluster_name)
        if len(function_name) > FUNCTION_NAME_MAX:
            problems.append(
                f"the rotation function name {function_name!r} is longer than {FUNCTION_NAME_MAX} "
                "characters; use a shorter cluster name"
            )
        source = args.project_dir / FUNCTION_SOURCE / "handler.py"
        if not source.is_file():
            problems.append(f"the rotation Lambda source {source} does not exist")
    return problems


def rotation_policy(secret_arns: list[str], store_key_arn: str, region: str) -> str:
    """The rotation role's inline policy, as JSON: these secrets, and the key via Secrets Manager only."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "RotateTheseSecrets",
                    "Effect": "Allow",
                    "Action": ROTATION_SECRET_ACTIONS,
                    "Resource": sorted(secret_arns),
                },
                {
                    # Only when Secrets Manager calls KMS on the role's behalf: the role cannot
                    # decrypt anything else encrypted with the store key (KMS developer guide,
                    # "kms:ViaService"). Lambda decrypts the function's environment through a grant it
                    # creates when the function is deployed, not through this role's policy.
                    "Sid": "UseStoreKeyThroughSecretsManager",
                    "Effect": "Allow",
                    "Action": STORE_KEY_ACTIONS,
                    "Resource": store_key_arn,
                    "Condition": {
                        "StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}
                    },
                },
            ],
        }
    )


class AwsSecretStore(pulumi.ComponentResource):
    """Secrets Manager secrets for the cloud catalogue, with a rotation Lambda for generated ones."""

    secret_arns: dict[str, pulumi.Output[str]]
    """Catalogue name -> ARN of its secret (for the External Secrets sync and access reports)."""
    remote_keys: dict[str, pulumi.Output[str]]
    """Catalogue name -> the key External Secrets reads it by: its ARN, which the IAM policy names too."""
    store_suffix: str = "secrets-manager"
    """Per-workload SecretStores are named `<workload>-secrets-manager`."""
    service_readers: list[pulumi.Output[str]]
    """The rotation Lambda's role, the one reader besides the workloads' sync identities."""
    rotation_function_arn: pulumi.Output[str] | None
    """ARN of the shared rotation Lambda; None when no entry is generated."""
    rotation_role_arn: pulumi.Output[str] | None
    """ARN of the rotation Lambda's execution role; None when no entry is generated."""

    def __init__(
        self, name: str, args: AwsSecretStoreArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_store_args(args)
        if problems:
            raise ValueError("; ".join(problems))
        super().__init__("secrets-platform:aws_secret_store:AwsSecretStore", name, None, opts)
        secrets = {entry.name: _secret(self, name, args, entry) for entry in args.entries}
        generated = [entry for entry in args.entries if entry.generate]

        self.rotation_function_arn = None
        self.rotation_role_arn = None
        if generated:
            rotator = _rotation_function(self, name, args, [secrets[entry.name] for entry in generated])
            for entry in generated:
                _rotation(name, args, entry, secrets[entry.name], rotator)
            self.rotation_function_arn = rotator.function.arn
            self.rotation_role_arn = rotator.role.arn
        self.secret_arns = {entry_name: secret.arn for entry_name, secret in secrets.items()}
        self.remote_keys = self.secret_arns
        self.service_readers = [self.rotation_role_arn] if self.rotation_role_arn is not None else []
        self._region = args.region
        self.register_outputs(
            {
                "secret_arns": self.secret_arns,
                "rotation_function_arn": self.rotation_function_arn,
                "rotation_role_arn": self.rotation_role_arn,
            }
        )

    def provider(self, service_account: pulumi.Input[str]) -> dict[str, Any]:
        """The `spec.provider` of a SecretStore reading these secrets as `service_account`."""
        return secret_store_provider(self._region, service_account)


@dataclass(frozen=True)
class _Rotator:
    """The shared rotation Lambda and what a rotation schedule must wait for."""

    function: aws.lambda_.Function
    role: aws.iam.Role
    ready: list[pulumi.Resource]


def _secret(
    parent: pulumi.Resource, name: str, args: AwsSecretStoreArgs, entry: CloudSecret
) -> aws.secretsmanager.Secret:
    description = entry.description or f"Catalogue secret {entry.name} of cluster {args.cluster_name}"
    return aws.secretsmanager.Secret(
        f"{name}-{entry.name}",
        name=secret_name(args.cluster_name, entry),
        description=description,
        kms_key_id=args.store_key_arn,
        recovery_window_in_days=args.recovery_window_days,
        # Names and settings only: tags are readable by anyone who may list resources.
        tags={
            "managed-by": "secrets-platform",
            "secrets-platform/entry": entry.name,
            "secrets-platform/cluster": args.cluster_name,
            "secrets-platform/rotation-days": str(entry.rotation_days),
            "secrets-platform/rotated-by": "lambda" if entry.generate else "operators",
        },
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _initial_value(
    name: str, args: AwsSecretStoreArgs, entry: CloudSecret, secret: aws.secretsmanager.Secret
) -> aws.secretsmanager.SecretVersion:
    """The first value, drawn by pulumi-random; the rotation Lambda owns every value after it."""
    child = pulumi.ResourceOptions(parent=secret)
    values: dict[str, pulumi.Output[str]] = {}
    for key in entry.keys:
        kept = key in KEPT_KEYS
        password = random.RandomPassword(
            f"{name}-{entry.name}-{key.replace('.', '-')}",
            # A username is an identity: lower-case letters, as most systems accept in user names.
            length=USERNAME_LENGTH if kept else args.password_length,
            special=False,
            upper=not kept,
            numeric=not kept,
            keepers={"version": str(entry.version)},
            opts=child,
        )
        values[key] = password.result
    document = pulumi.Output.all(**values).apply(lambda resolved: json.dumps(resolved, sort_keys=True))
    return aws.secretsmanager.SecretVersion(
        f"{name}-{entry.name}-initial",
        secret_id=secret.id,
        secret_string=pulumi.Output.secret(document),
        # The rotation replaces the value right away (rotate_immediately) and on every schedule
        # after it, moving AWSCURRENT off this version. Pulumi must neither write the initial value
        # back nor move the label back on a refresh: both would undo a rotation with a value that
        # sits in the stack's state.
        opts=pulumi.ResourceOptions(parent=secret, ignore_changes=["secret_string", "version_stages"]),
    )


def _rotation_function(
    parent: pulumi.Resource, name: str, args: AwsSecretStoreArgs, secrets: list[aws.secretsmanager.Secret]
) -> _Rotator:
    function_name = rotation_function_name(args.cluster_name)
    policy = pulumi.Output.all(args.store_key_arn, *[secret.arn for secret in secrets]).apply(
        lambda values: rotation_policy(list(values[1:]), values[0], args.region)
    )
    role = aws.iam.Role(
        f"{name}-rotation-role",
        description=f"Execution role of the Secrets Manager rotation Lambda of cluster {args.cluster_name}",
        assume_role_policy=service_trust_policy("lambda.amazonaws.com", ["sts:AssumeRole"]),
        inline_policies=[{"name": "rotate-secrets", "policy": policy}],
        opts=pulumi.ResourceOptions(parent=parent),
    )
    logs_access = aws.iam.RolePolicyAttachment(
        f"{name}-rotation-role-logs",
        role=role.name,
        policy_arn=BASIC_EXECUTION_POLICY,
        opts=pulumi.ResourceOptions(parent=role),
    )
    # Declared before the function, so Lambda finds it instead of creating an unencrypted,
    # never-expiring one on the first invocation.
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-rotation-logs",
        name=rotation_log_group_name(args.cluster_name),
        kms_key_id=args.store_key_arn,
        retention_in_days=LOG_RETENTION_DAYS,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    source = args.project_dir / FUNCTION_SOURCE
    package = args.project_dir / PACKAGE_PATH
    code_sha256 = build_zip(source, package)
    function = aws.lambda_.Function(
        f"{name}-rotation",
        name=function_name,
        description=f"Rotates the generated Secrets Manager secrets of cluster {args.cluster_name}",
        role=role.arn,
        runtime=LAMBDA_RUNTIME,
        handler=LAMBDA_HANDLER,
        # A `.zip` FileArchive is uploaded byte for byte (see functions/package.py), so this hash is
        # the CodeSha256 Lambda reports: the function changes only when the code does, and a
        # change made outside Pulumi shows as a diff (`source_code_hash` would only track ours).
        code=pulumi.FileArchive(str(package)),
        code_sha256=code_sha256,
        timeout=LAMBDA_TIMEOUT_SECONDS,
        memory_size=128,
        reserved_concurrent_executions=LAMBDA_RESERVED_CONCURRENCY,
        environment={"variables": {"PASSWORD_LENGTH": str(args.password_length)}},
        kms_key_arn=args.store_key_arn,
        tracing_config={"mode": "PassThrough"},
        logging_config={"log_format": "Text", "log_group": log_group.name},
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[log_group, logs_access]),
    )
    permission = aws.lambda_.Permission(
        f"{name}-rotation-invoke",
        action="lambda:InvokeFunction",
        function=function.name,
        principal="secretsmanager.amazonaws.com",
        # Only Secrets Manager acting for this account (confused-deputy protection).
        source_account=args.account_id,
        opts=pulumi.ResourceOptions(parent=function),
    )
    return _Rotator(function=function, role=role, ready=[permission, log_group, logs_access])


def _rotation(
    name: str,
    args: AwsSecretStoreArgs,
    entry: CloudSecret,
    secret: aws.secretsmanager.Secret,
    rotator: _Rotator,
) -> aws.secretsmanager.SecretRotation:
    initial = _initial_value(name, args, entry, secret)
    return aws.secretsmanager.SecretRotation(
        f"{name}-{entry.name}-rotation",
        secret_id=secret.id,
        rotation_lambda_arn=rotator.function.arn,
        rotation_rules={"automatically_after_days": entry.rotation_days},
        # The first rotation runs at once: the live value never is the one in Pulumi's state.
        rotate_immediately=True,
        opts=pulumi.ResourceOptions(parent=secret, depends_on=[initial, *rotator.ready]),
    )


def secret_store_provider(region: str, service_account: pulumi.Input[str]) -> dict[str, Any]:
    """ESO's provider block reading Secrets Manager as the IAM role annotated on `service_account`."""
    return {
        "aws": {
            "service": "SecretsManager",
            "region": region,
            # ESO reads the role from the account's `eks.amazonaws.com/role-arn` annotation and
            # requests a token with audience sts.amazonaws.com (providers/v1/aws/auth/auth.go).
            "auth": {"jwt": {"serviceAccountRef": {"name": service_account}}},
        }
    }
