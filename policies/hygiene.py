"""Secret hygiene: no secret value in plain text where anyone who can read the object can read it.

Pod specs, ConfigMaps, Helm values, metadata, tags and Lambda environments are readable far more
widely than Secrets (`get deployment`, `helm get values`, the console's tag editor, `describe`).
Values are judged by their key (`DB_PASSWORD`, `oauthClientSecret`, `api-key`...) and by their own
shape (a known token format, or a long token of high Shannon entropy). The engine hands policies
plain values and does not say which are Pulumi secrets, so a secret delivered on purpose (a Helm
override from the catalogue) is named in `allowList`; the offline check proves those paths are
really secret inputs. Messages name paths, never values.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
import shlex
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from policies._kubernetes import (
    HELM_RELEASES,
    containers,
    pod_spec,
    pod_spec_path,
    pod_template_metadata_path,
    with_manifests,
)
from policies._support import (
    HYGIENE_SCHEMA_PROPERTIES,
    allowed,
    as_list,
    dig,
    is_unknown,
    key_file_name,
    key_material,
    message,
    plain,
    plaintext_secret,
    schema,
    secret_like_key,
    settings,
    walk,
)

CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
LAMBDA_FUNCTION = "aws:lambda/function:Function"
SSM_PARAMETER = "aws:ssm/parameter:Parameter"
ECS_TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
EC2_USER_DATA = {
    "aws:ec2/instance:Instance": (("userData", False), ("userDataBase64", True)),
    "aws:ec2/spotInstanceRequest:SpotInstanceRequest": (("userData", False), ("userDataBase64", True)),
    "aws:ec2/launchConfiguration:LaunchConfiguration": (("userData", False), ("userDataBase64", True)),
    "aws:ec2/launchTemplate:LaunchTemplate": (("userData", True),),
}
"""Where EC2 keeps a user-data script, and whether the input is base64 (a launch template's always is)."""

_ASSIGNMENT = re.compile(r"""^\s*(?:export\s+)?([A-Za-z0-9_.\-]+)\s*[:=]\s*["']?([^"'\s#]+)["']?\s*$""")
"""`KEY=value`, `key: value`, `key = "value"`: one setting per line of a config file."""


def _schema(allow_list: list[str] | None = None) -> Any:
    properties = {k: dict(v) for k, v in HYGIENE_SCHEMA_PROPERTIES.items()}
    if allow_list:
        properties["allowList"]["default"] = allow_list
    return schema(**properties)


def _report_plaintext(
    report: ReportViolation, cfg: dict[str, Any], entries: list[tuple[str, str, Any]], where: str, fix: str
) -> None:
    """Report each (path, key, value) entry that looks like a plaintext secret, by its path only."""
    for path, key, value in entries:
        if not allowed(path, cfg["allowList"]) and plaintext_secret(
            key, value, entropy_threshold=cfg["entropyThreshold"], min_length=cfg["minTokenLength"]
        ):
            report(message(f"{where} {path} holds what looks like a secret in plain text", fix), None)


def file_settings(path: str, text: Any) -> list[tuple[str, str, Any]]:
    """The `key=value` / `key: value` lines of a config file kept in a ConfigMap or a value."""
    if not isinstance(text, str) or "\n" not in text:
        return []
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _ASSIGNMENT.match(line)
        if match:
            found.append((f"{path}:{number}", match.group(1), match.group(2)))
    return found


# --- Kubernetes ---------------------------------------------------------------------------------


_FLAG = re.compile(r"^--?[A-Za-z][A-Za-z0-9_.-]*$")
_PAIR = re.compile(r"^(?:--?)?([A-Za-z_][A-Za-z0-9_.-]*)[=:](.+)$")
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_HOOKS = ("postStart", "preStop")


def argument_entries(where: str, words: list[Any], depth: int = 1) -> list[tuple[str, str, Any]]:
    """(path, key, value) to judge in a command line: each word by its shape, `--flag=value`,
    `KEY=value` and `--flag value` pairs by the flag's name, and the words of a shell string
    (`sh -c "... --password x"`) the same way."""
    entries: list[tuple[str, str, Any]] = []
    for i, word in enumerate(words):
        if not isinstance(word, str):
            continue
        path = f"{where}[{i}]"
        entries.append((path, "", word))
        pair = _PAIR.match(word)
        if pair:
            entries.append((path, pair.group(1), pair.group(2)))
        following = words[i + 1] if i + 1 < len(words) else None
        if _FLAG.match(word) and isinstance(following, str) and not following.startswith("-"):
            entries.append((f"{where}[{i + 1}]", word.lstrip("-"), following))
        if depth and re.search(r"\s", word.strip()):
            try:
                inner = shlex.split(word)
            except ValueError:
                inner = word.split()
            entries += [(path, key, value) for _, key, value in argument_entries(path, inner, depth - 1)]
    return entries


def _container_entries(spec: dict[str, Any]) -> list[tuple[str, str, Any]]:
    entries = []
    for where, container in containers(spec):
        for i, env in enumerate(as_list(container.get("env"))):
            if isinstance(env, dict) and "value" in env:
                entries.append((f"{where}.env[{i}]", str(env.get("name", "")), env["value"]))
        for field in ("args", "command"):
            entries += argument_entries(f"{where}.{field}", as_list(container.get(field)))
        handlers = [(f"{where}.{p}", container.get(p)) for p in _PROBES]
        handlers += [(f"{where}.lifecycle.{h}", dig(container, "lifecycle", h)) for h in _HOOKS]
        for path, handler in handlers:
            if not isinstance(handler, dict):
                continue
            for j, header in enumerate(as_list(dig(handler, "httpGet", "httpHeaders"))):
                if isinstance(header, dict):
                    entries.append(
                        (f"{path}.httpGet.httpHeaders[{j}]", str(header.get("name", "")), header.get("value"))
                    )
            entries += argument_entries(f"{path}.exec.command", as_list(dig(handler, "exec", "command")))
    return entries


def _container_env(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if pod_spec_path(args.resource_type) is None:
        return
    spec = pod_spec(args.resource_type, plain(args.props))
    if spec is None:
        return
    cfg = settings(args, KUBERNETES_CONTAINER_ENV_PLAINTEXT_SECRET.config_schema)
    _report_plaintext(
        report,
        cfg,
        _container_entries(spec),
        "The pod spec's",
        "Move the value into a Kubernetes Secret and mount it as a file (or use env valueFrom.secretKeyRef)",
    )


# Source: CIS Kubernetes Benchmark 5.4.1 ("Prefer using secrets as files over secrets as environment
# variables"); a literal in the pod spec is readable by anyone who can get the workload.
KUBERNETES_CONTAINER_ENV_PLAINTEXT_SECRET = ResourceValidationPolicy(
    name="kubernetes-container-env-plaintext-secret",
    description="Container env values, arguments, commands and probe headers must not hold secrets in plain "
    "text.",
    validate=with_manifests(_container_env),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=_schema(),
    remediation_steps="Put the value in a Secret and mount it (or reference it with secretKeyRef).",
)


def _decoded(value: Any) -> str | None:
    """A binaryData value as text (None when it is not base64 of text)."""
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def _configmap(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != CONFIG_MAP:
        return
    cfg = settings(args, KUBERNETES_CONFIGMAP_PLAINTEXT_SECRET.config_schema)
    props = plain(args.props)
    fix = "Move the value into a Kubernetes Secret and keep only non-secret settings in the ConfigMap"
    entries = []
    material = []
    for field in ("data", "binaryData"):
        values = props.get(field)
        if not isinstance(values, dict):
            continue
        for key, raw in values.items():
            path = f"{field}.{key}"
            value = _decoded(raw) if field == "binaryData" else raw
            if allowed(path, cfg["allowList"]) or (not isinstance(value, str) and field == "data"):
                continue
            if key_material(raw) or key_material(value) or (key_file_name(str(key)) and (value or raw)):
                material.append(path)
                continue
            if value is None:
                continue
            entries.append((path, key, value))
            entries.extend(file_settings(path, value))
    for path in material:
        report(
            message(
                f"The ConfigMap's {path} holds key material (a private key, a PGP secret key, a JWT, a "
                "registry credential, or a file named as one)",
                fix,
            ),
            None,
        )
    _report_plaintext(report, cfg, entries, "The ConfigMap's", fix)


# Source: Kubernetes docs, "ConfigMaps" ("ConfigMap does not provide secrecy or encryption").
KUBERNETES_CONFIGMAP_PLAINTEXT_SECRET = ResourceValidationPolicy(
    name="kubernetes-configmap-plaintext-secret",
    description="ConfigMaps must not hold secrets or key material, in data or binaryData.",
    validate=with_manifests(_configmap),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=_schema(),
    remediation_steps="Move secret values from the ConfigMap to a Secret.",
)


def _helm_values(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in HELM_RELEASES:
        return
    cfg = settings(args, KUBERNETES_HELM_RELEASE_VALUES_PLAINTEXT_SECRET.config_schema)
    values = plain(args.props).get("values")
    if not isinstance(values, dict):
        return
    entries = []
    for path, key, value in walk(values):
        entries.append((path, key, value))
        entries.extend(file_settings(path, value))
    _report_plaintext(
        report,
        cfg,
        entries,
        "The Helm values'",
        "Create a Kubernetes Secret and pass its name (such as secret.existingSecret), or deliver the "
        "catalogue secret as a secret override and list its path in allowList",
    )


# Source: Helm docs, "helm get values" (anyone who can read the release reads its values).
KUBERNETES_HELM_RELEASE_VALUES_PLAINTEXT_SECRET = ResourceValidationPolicy(
    name="kubernetes-helm-release-values-plaintext-secret",
    description="Helm release values must not hold secrets in plain text.",
    validate=_helm_values,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=_schema(),
    remediation_steps="Reference an existing Secret from the values instead of the secret itself.",
)


def _metadata_entries(props: dict[str, Any], resource_type: str) -> list[tuple[str, str, Any]]:
    entries = []
    sources = [("metadata", dig(props, "metadata"))]
    template = pod_template_metadata_path(resource_type)
    if template is not None:
        sources.append((".".join(template), dig(props, *template)))
    for where, metadata in sources:
        for field in ("annotations", "labels"):
            values = dig(metadata, field)
            if isinstance(values, dict):
                entries.extend((f"{where}.{field}.{k}", k, v) for k, v in values.items())
    return entries


def _metadata(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not args.resource_type.startswith("kubernetes:") or args.resource_type in HELM_RELEASES:
        return
    cfg = settings(args, KUBERNETES_METADATA_PLAINTEXT_SECRET.config_schema)
    _report_plaintext(
        report,
        cfg,
        _metadata_entries(plain(args.props), args.resource_type),
        "The object's",
        "Remove the value from the annotation or label and keep it in a Kubernetes Secret",
    )


# Source: Kubernetes docs, "Good practices for Kubernetes Secrets" (metadata is readable with list
# permissions that never grant Secret values).
KUBERNETES_METADATA_PLAINTEXT_SECRET = ResourceValidationPolicy(
    name="kubernetes-metadata-plaintext-secret",
    description="Kubernetes annotations and labels must not hold secrets.",
    validate=with_manifests(_metadata),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=_schema(["secrets-platform/secret"]),
    remediation_steps="Remove secrets from annotations and labels.",
)


# --- cloud tags and environments ----------------------------------------------------------------


def _tags(args: ResourceValidationArgs, report: ReportViolation, prefix: str, policy: Any) -> None:
    if not args.resource_type.startswith(prefix):
        return
    cfg = settings(args, policy.config_schema)
    props = plain(args.props)
    entries = []
    for field in ("tags", "tagsAll"):
        tags = props.get(field)
        if isinstance(tags, dict):
            entries.extend((f"{field}.{k}", k, v) for k, v in tags.items())
    _report_plaintext(
        report,
        cfg,
        entries,
        "The resource's",
        "Remove the secret from the tags; tags are visible to anyone who can list resources",
    )


def _aws_tags(args: ResourceValidationArgs, report: ReportViolation) -> None:
    _tags(args, report, "aws:", AWS_RESOURCE_TAGS_PLAINTEXT_SECRET)


def _azure_tags(args: ResourceValidationArgs, report: ReportViolation) -> None:
    _tags(args, report, "azure-native:", AZURE_RESOURCE_TAGS_PLAINTEXT_SECRET)


# Source: AWS Tagging Best Practices ("Do not store personally identifiable information or other
# confidential or sensitive information in tags").
AWS_RESOURCE_TAGS_PLAINTEXT_SECRET = ResourceValidationPolicy(
    name="aws-resource-tags-plaintext-secret",
    description="AWS resource tags must not hold secrets.",
    validate=_aws_tags,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=_schema(),
    remediation_steps="Remove secrets from tags.",
)

# Source: Azure docs, "Use tags to organize your Azure resources" ("Don't enter sensitive values in tags").
AZURE_RESOURCE_TAGS_PLAINTEXT_SECRET = ResourceValidationPolicy(
    name="azure-resource-tags-plaintext-secret",
    description="Azure resource tags must not hold secrets.",
    validate=_azure_tags,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=_schema(),
    remediation_steps="Remove secrets from tags.",
)


def _lambda_environment(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != LAMBDA_FUNCTION:
        return
    cfg = settings(args, AWS_LAMBDA_FUNCTION_ENVIRONMENT_PLAINTEXT_SECRET.config_schema)
    variables = dig(plain(args.props), "environment", "variables")
    if not isinstance(variables, dict):
        return
    _report_plaintext(
        report,
        cfg,
        [(f"environment.variables.{k}", k, v) for k, v in variables.items()],
        "The function's",
        "Pass the ARN of a Secrets Manager secret instead and read the value at run time",
    )


# Source: Lambda developer guide, "Securing environment variables" (use Secrets Manager for secrets).
AWS_LAMBDA_FUNCTION_ENVIRONMENT_PLAINTEXT_SECRET = ResourceValidationPolicy(
    name="aws-lambda-function-environment-plaintext-secret",
    description="Lambda environment variables must not hold secrets.",
    validate=_lambda_environment,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=_schema(),
    remediation_steps="Read secrets from Secrets Manager at run time instead of the environment.",
)


def _ssm_parameter(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != SSM_PARAMETER:
        return
    cfg = settings(args, AWS_SSM_PARAMETER_PLAINTEXT_SECRET.config_schema)
    props = plain(args.props)
    kind = props.get("type")
    if kind == "SecureString" or not isinstance(kind, str) or is_unknown(kind):
        return  # encrypted with KMS; or a type not known until the update, judged then
    # Without `name` the provider names the parameter after the resource (auto-naming).
    name = props.get("name") if props.get("name") is not None else args.name
    # The parameter's own name is its key: `/payments/db-password` names a password.
    key = name.rstrip("/").rsplit("/", 1)[-1] if isinstance(name, str) and not is_unknown(name) else ""
    if key and (allowed(key, cfg["allowList"]) or allowed(name, cfg["allowList"])):
        return  # delivered here on purpose (allowList: the parameter's name or its last segment)
    fix = "Make it a SecureString encrypted with a customer-managed KMS key, or keep it in Secrets Manager"
    if key and secret_like_key(key):
        # Named as a secret: whatever the value turns out to be (a generated one is unknown in a preview).
        report(message("The parameter is named as a secret but is not a SecureString", fix), None)
        return
    entries: list[tuple[str, str, Any]] = []
    for field in ("value", "insecureValue"):
        value = props.get(field)
        items = value.split(",") if kind == "StringList" and isinstance(value, str) else [value]
        entries.extend((field, key, item) for item in items)
    _report_plaintext(report, cfg, entries, "The parameter's", fix)


# Source: AWS Systems Manager user guide, "Working with parameters: SecureString" (only SecureString
# values are encrypted with KMS; String and StringList values are readable by any ssm:GetParameter,
# and `insecureValue` is shown in every preview).
AWS_SSM_PARAMETER_PLAINTEXT_SECRET = ResourceValidationPolicy(
    name="aws-ssm-parameter-plaintext-secret",
    description="Parameter Store parameters that hold secrets must be SecureStrings.",
    validate=_ssm_parameter,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=_schema(),
    remediation_steps="Make the parameter a SecureString with a customer-managed key, or keep the secret in Secrets Manager.",
)


def _ecs_task_definition(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != ECS_TASK_DEFINITION:
        return
    cfg = settings(args, AWS_ECS_TASK_DEFINITION_PLAINTEXT_SECRET.config_schema)
    text = plain(args.props).get("containerDefinitions")
    if not isinstance(text, str) or is_unknown(text):
        return
    try:
        definitions = json.loads(text)
    except ValueError:
        return  # the provider refuses it
    entries: list[tuple[str, str, Any]] = []
    for i, container in enumerate(as_list(definitions)):
        if not isinstance(container, dict):
            continue
        where = f"containerDefinitions[{i}]"
        for j, env in enumerate(as_list(container.get("environment"))):
            if isinstance(env, dict):
                entries.append((f"{where}.environment[{j}]", str(env.get("name", "")), env.get("value")))
        for field in ("command", "entryPoint"):
            entries += argument_entries(f"{where}.{field}", as_list(container.get(field)))
        labels = container.get("dockerLabels")
        if isinstance(labels, dict):
            entries += [(f"{where}.dockerLabels.{k}", str(k), v) for k, v in labels.items()]
    _report_plaintext(
        report,
        cfg,
        entries,
        "The task definition's",
        "Reference the secret in the container's `secrets` (valueFrom a Secrets Manager secret or a "
        "SecureString parameter) instead",
    )


# Source: Amazon ECS developer guide, "Pass sensitive data to an Amazon ECS container" (environment
# values are visible to anyone who can describe the task definition; use `secrets` with valueFrom).
AWS_ECS_TASK_DEFINITION_PLAINTEXT_SECRET = ResourceValidationPolicy(
    name="aws-ecs-task-definition-plaintext-secret",
    description="ECS container definitions must not hold secrets in plain text.",
    validate=_ecs_task_definition,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=_schema(),
    remediation_steps="Pass secrets through the container definition's `secrets` (valueFrom), never its environment.",
)


def _user_data_text(raw: str) -> str | None:
    """Base64 user data as text, gunzipped when it is gzip (as `userDataBase64` allows)."""
    try:
        data = base64.b64decode(raw, validate=True)
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        return data.decode("utf-8")
    except (binascii.Error, ValueError, OSError, EOFError, UnicodeDecodeError):
        return None


def _user_data_entries(path: str, text: str) -> list[tuple[str, str, Any]]:
    """Each line of a user-data script as a setting (`KEY=value`) and as a command line."""
    entries = file_settings(path, text if "\n" in text else text + "\n")
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            words = line.split()
        entries += [(f"{path}:{number}", key, value) for _, key, value in argument_entries("", words, 0)]
    return entries


def _ec2_user_data(args: ResourceValidationArgs, report: ReportViolation) -> None:
    fields = EC2_USER_DATA.get(args.resource_type)
    if fields is None:
        return
    cfg = settings(args, AWS_EC2_USER_DATA_PLAINTEXT_SECRET.config_schema)
    props = plain(args.props)
    fix = "Have the instance read the secret from Secrets Manager at boot, with its instance role"
    entries: list[tuple[str, str, Any]] = []
    for field, encoded in fields:
        raw = props.get(field)
        if not isinstance(raw, str) or is_unknown(raw) or allowed(field, cfg["allowList"]):
            continue
        text = _user_data_text(raw) if encoded else raw
        if text is None:
            continue
        if key_material(text):
            report(
                message(f"The instance's {field} holds key material (a private key, a JWT or the like)", fix),
                None,
            )
            continue
        entries += _user_data_entries(field, text)
    _report_plaintext(report, cfg, entries, "The instance's user data", fix)


# Source: Amazon EC2 user guide, "Run commands when you launch an EC2 instance with user data input"
# ("user data is not protected by cryptographic methods ... do not store sensitive data in user data").
AWS_EC2_USER_DATA_PLAINTEXT_SECRET = ResourceValidationPolicy(
    name="aws-ec2-user-data-plaintext-secret",
    description="EC2 user data (instances and launch templates) must not hold secrets.",
    validate=_ec2_user_data,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=_schema(),
    remediation_steps="Read secrets from Secrets Manager at boot with the instance role; keep user data free of them.",
)


POLICIES = [
    KUBERNETES_CONTAINER_ENV_PLAINTEXT_SECRET,
    KUBERNETES_CONFIGMAP_PLAINTEXT_SECRET,
    KUBERNETES_HELM_RELEASE_VALUES_PLAINTEXT_SECRET,
    KUBERNETES_METADATA_PLAINTEXT_SECRET,
    AWS_RESOURCE_TAGS_PLAINTEXT_SECRET,
    AZURE_RESOURCE_TAGS_PLAINTEXT_SECRET,
    AWS_LAMBDA_FUNCTION_ENVIRONMENT_PLAINTEXT_SECRET,
    AWS_SSM_PARAMETER_PLAINTEXT_SECRET,
    AWS_ECS_TASK_DEFINITION_PLAINTEXT_SECRET,
    AWS_EC2_USER_DATA_PLAINTEXT_SECRET,
]
