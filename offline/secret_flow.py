"""The `offline-*` checks: where secret values flow, which only the offline plan can see.

Under `pulumi preview` the policy pack gets plain values and cannot tell a secret from a setting, nor
where a value came from. The offline plan knows both: every input path the program marked secret, and
every secret it handed the program (each `secure:` config value is a placeholder canary, each
generated value a canary, file contents and provider secret outputs are known strings). So it checks:

- `offline-secret-input-marked`: inputs that carry secret values are Pulumi secrets;
- `offline-secret-value-source`: secret data (a Secret, a SecretPatch, a ConfigGroup's Secret, a
  cloud secret version, a Vault KV secret, a SecureString parameter, a database password) comes from a
  secret source, never from text written in the program; each string leaf is judged (JSON documents
  too), and an empty document is no secret;
- `offline-secret-in-plaintext-field`: a secret flows only into fields the provider keeps secret (the
  outputs its SDK declares secret, write-only passwords, provider config), never into a name, a tag,
  an env value, a ConfigMap, a container definition, a probe header, an SSM `String` parameter...;
- `offline-helm-values-secret-leaves`: Helm values are not secret as a whole, and allow-listed
  overrides are secrets.

Messages name the resource and input paths, never a value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

import yaml

from offline.leaks import LeakScanner
from offline.plan import _covered, leaves
from offline.runtime import Capture, Registration, join

SECRET_INPUTS: dict[str, tuple[str, ...]] = {
    "kubernetes:core/v1:Secret": ("data", "stringData"),
    "kubernetes:core/v1:SecretPatch": ("data", "stringData"),
    "aws:secretsmanager/secretVersion:SecretVersion": ("secretString", "secretBinary"),
    "aws:ssm/parameter:Parameter": ("value",),
    "azure-native:keyvault:Secret": ("properties.value",),
    "vault:kv/secretV2:SecretV2": ("dataJson",),
    "vault:generic/secret:Secret": ("dataJson",),
    "aws:rds/instance:Instance": ("password",),
    "aws:rds/cluster:Cluster": ("masterPassword",),
    "azure-native:dbforpostgresql:Server": ("administratorLoginPassword",),
    "pulumi:providers:kubernetes": ("kubeconfig",),
    "pulumi:providers:vault": ("token",),
}
"""Inputs that carry a secret value: they must be Pulumi secrets, or the state keeps them in clear."""
NOT_SECRET_DATA = ("pulumi:providers:",)
"""Secret inputs assembled from provider outputs (a kubeconfig), judged for marking but not for source."""
CONFIG_GROUP = "kubernetes:yaml/v2:ConfigGroup"
SECRET_KINDS = ("Secret",)
HELM_RELEASES = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart")
HELM_VALUES_POLICY = "kubernetes-helm-release-values-plaintext-secret"

_WRITE_ONLY = re.compile(r"(?i)(password|secret|token|apikey|passphrase)(wo)?$")
"""Top-level inputs that are write-only secrets even where the SDK does not declare them secret
(azure-native marks no input secret: `administratorLoginPassword`, `clientSecret`...)."""

_PLAINTEXT_FIELDS: list[tuple[str, re.Pattern[str], str]] = [
    ("kubernetes:core/v1:ConfigMap", re.compile(r"^(data|binaryData)\b"), "ConfigMap data"),
    ("kubernetes:", re.compile(r"(^|\.)env\[\d+\]\.value$"), "a container env value"),
    ("kubernetes:", re.compile(r"(^|\.)(args|command)\[\d+\]$"), "a container argument"),
    ("kubernetes:", re.compile(r"(^|\.)httpHeaders\[\d+\]\.value$"), "a probe or hook header"),
    ("kubernetes:", re.compile(r"(^|\.)metadata\.(annotations|labels|name|namespace)\b"), "metadata"),
    ("aws:", re.compile(r"^(tags|tagsAll)\b"), "tags"),
    ("azure-native:", re.compile(r"^tags\b"), "tags"),
    (
        "aws:lambda/function:Function",
        re.compile(r"^environment\.variables\b"),
        "Lambda environment variables",
    ),
    (
        "aws:ecs/taskDefinition:TaskDefinition",
        re.compile(r"^containerDefinitions\b"),
        "an ECS container definition",
    ),
    ("", re.compile(r"^(name|namePrefix|description|displayName)$"), "a name or description"),
]
"""(type prefix, input path, what) for messages: where the provider stores and shows a value in plain text."""

OFFLINE_CHECKS: dict[str, dict[str, str]] = {
    "offline-secret-input-marked": {
        "description": "Inputs that carry secret values (Secret data and stringData, secret strings, "
        "kubeconfigs) must be Pulumi secrets.",
        "remediation": "Build the value with pulumi.Output.secret(...) or read it with Config.require_secret.",
    },
    "offline-secret-value-source": {
        "description": "Secret data (Secrets, SecretPatches, ConfigGroup Secrets, cloud secret versions, Vault "
        "KV secrets, SecureString parameters, database passwords) must come from a secret source, never "
        "from text written in the program.",
        "remediation": "Read the value with Config.require_secret, a file the stack config names, a "
        "random.RandomPassword, or the cloud store; keep non-secret settings out of secrets.",
    },
    "offline-secret-in-plaintext-field": {
        "description": "Pulumi secrets must flow only into fields the provider keeps secret, never into "
        "names, tags, env values, arguments, ConfigMaps, container definitions, SSM String parameters or "
        "Helm values.",
        "remediation": "Keep the secret in a Kubernetes Secret or the cloud store and pass only its name.",
    },
    "offline-helm-values-secret-leaves": {
        "description": "Helm values must not be secret as a whole, and allow-listed secret overrides must be "
        "Pulumi secrets.",
        "remediation": "Pass secrets to charts through a Secret named in the values (secret.existingSecret).",
    },
}
"""Checks the pack cannot make: the engine hands it plain values without saying which are secret."""


@dataclass(frozen=True)
class Finding:
    """One offline violation: the check, the registration, and a message naming paths only."""

    check: str
    reg: Registration
    message: str


def source_scanner(capture: Capture, files: dict[str, str] | None = None) -> LeakScanner:
    """A scanner for the secret sources of a run: canaries (config placeholders, generated values) by
    their pattern, file contents and provider secret outputs by value, in any encoding."""
    return LeakScanner(set(capture.secret_outputs) | set((files or {}).values()))


def _inputs_at(value: Any, dotted: str) -> list[tuple[str, Any]]:
    """(path, value) at a dotted path of plain map keys, if present."""
    node = value
    for key in dotted.split("."):
        if not isinstance(node, dict) or key not in node:
            return []
        node = node[key]
    return [(dotted, node)]


def _embedded_secrets(reg: Registration) -> Iterator[tuple[str, Any, bool]]:
    """(path, secret data, marked secret) of the Secrets a ConfigGroup declares in `objs` or `yaml`."""
    if reg.type != CONFIG_GROUP:
        return
    for i, obj in enumerate(reg.inputs.get("objs") or []):
        if isinstance(obj, dict) and obj.get("kind") in SECRET_KINDS and obj.get("apiVersion") == "v1":
            for field in ("data", "stringData"):
                path = join(join("objs", i), field)
                if field in obj:
                    yield path, obj[field], _covered(path, reg.secret_paths)
    text = reg.inputs.get("yaml")
    for t, chunk in enumerate(text if isinstance(text, list) else [text]):
        if not isinstance(chunk, str):
            continue
        try:
            documents = list(yaml.safe_load_all(chunk))
        except yaml.YAMLError:
            continue
        marked = _covered("yaml" if not isinstance(text, list) else f"yaml[{t}]", reg.secret_paths)
        for d, doc in enumerate(documents):
            if isinstance(doc, dict) and doc.get("kind") in SECRET_KINDS:
                for field in ("data", "stringData"):
                    if field in doc:
                        yield f"yaml document {d + 1}.{field}", doc[field], marked


def secret_data(reg: Registration) -> Iterator[tuple[str, Any, bool]]:
    """(path, value, marked secret) of every input of a registration that carries a secret value."""
    for dotted in SECRET_INPUTS.get(reg.type, ()):
        for path, value in _inputs_at(reg.inputs, dotted):
            yield path, value, _covered(path, reg.secret_paths)
    yield from _embedded_secrets(reg)


def _string_leaves(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """String leaves of a value; a string holding a JSON document is judged by its own leaves."""
    for where, leaf in leaves(value, path):
        if not isinstance(leaf, str) or not leaf:
            continue
        if leaf.lstrip()[:1] in ("{", "["):
            try:
                document = json.loads(leaf)
            except ValueError:
                document = None
            if isinstance(document, (dict, list)):
                yield from ((where, v) for _, v in leaves(document) if isinstance(v, str) and v)
                continue
        yield where, leaf


def _keeps_secret(reg: Registration, path: str) -> bool:
    """Whether a secret input path lands in a field the provider keeps secret."""
    top = re.split(r"[.\[]", path, maxsplit=1)[0]
    if reg.type.startswith(("pulumi:providers:", "random:")) or reg.type in HELM_RELEASES:
        return True  # provider config; random keepers stay in the state; Helm values are judged below
    if reg.type == "aws:ssm/parameter:Parameter" and top == "value":
        return reg.inputs.get("type") == "SecureString"
    if top in reg.options.get("additionalSecretOutputs", []) or _WRITE_ONLY.search(top):
        return True
    if any(path == p or path.startswith((p + ".", p + "[")) for p in SECRET_INPUTS.get(reg.type, ())):
        return True
    if reg.type == CONFIG_GROUP:
        return bool(re.match(r"^objs\[\d+\]\.(data|stringData)\b", path))
    return not reg.custom  # a local component's inputs reach no provider


def _plaintext_field(reg: Registration, path: str) -> str:
    if reg.type == "aws:ssm/parameter:Parameter":
        return "an SSM String parameter, stored unencrypted"
    return next(
        (
            what
            for prefix, pattern, what in _PLAINTEXT_FIELDS
            if reg.type.startswith(prefix) and pattern.search(path)
        ),
        "a field the provider does not keep secret",
    )


def _allow_listed(path: str, patterns: list[str]) -> bool:
    relative = path.removeprefix("values.")
    last = relative.rsplit(".", 1)[-1]
    return any(fnmatchcase(relative, p) or fnmatchcase(last, p) for p in patterns)


def findings(capture: Capture, helm_allow_list: list[str], sources: LeakScanner) -> list[Finding]:
    """Every offline finding of a capture, in registration order."""
    found: list[Finding] = []
    for reg in capture.resources:
        for path, value, marked in secret_data(reg):
            if value not in (None, {}, "") and not marked:
                found.append(
                    Finding(
                        "offline-secret-input-marked",
                        reg,
                        f"Input {path} of this {reg.type} is not a Pulumi secret, so the state would store it "
                        "in plain text and previews would show it. Wrap it in pulumi.Output.secret(...).",
                    )
                )
            if reg.type.startswith(NOT_SECRET_DATA):
                continue
            unsourced = sorted(
                {where for where, leaf in _string_leaves(value, path) if not sources.found_in(leaf)}
            )
            for where in unsourced:
                found.append(
                    Finding(
                        "offline-secret-value-source",
                        reg,
                        f"The secret data at {where} of this {reg.type} was written in the program: no secure "
                        "config value, named file, generated value or provider secret holds it. Read it with "
                        "Config.require_secret (or generate it), and keep non-secret settings out of the secret.",
                    )
                )
        for path in reg.secret_paths:
            if not _keeps_secret(reg, path):
                found.append(
                    Finding(
                        "offline-secret-in-plaintext-field",
                        reg,
                        f"The secret input {path} lands in {_plaintext_field(reg, path)}, which the provider "
                        "stores and shows in plain text. Keep the value in a Secret and reference it by name.",
                    )
                )
        if reg.type in HELM_RELEASES and "values" in reg.inputs:
            found += _helm_findings(reg, helm_allow_list)
    return found


def _helm_findings(reg: Registration, allow_list: list[str]) -> list[Finding]:
    if "values" in reg.secret_paths:
        return [
            Finding(
                "offline-helm-values-secret-leaves",
                reg,
                "The whole values map is one secret, which hides every setting from review and puts the secret "
                "in Helm's release record. Pass secrets through a Secret named in the values.",
            )
        ]
    found = [
        Finding(
            "offline-secret-in-plaintext-field",
            reg,
            f"The secret input {path} lands in the Helm values, which Helm keeps in its release record and "
            "shows in `helm get values`. Pass it through a Secret named in the values.",
        )
        for path in reg.secret_paths
        if path.startswith("values.") and not _allow_listed(path, allow_list)
    ]
    found += [
        Finding(
            "offline-helm-values-secret-leaves",
            reg,
            f"{path} is allow-listed as a secret override but is not a Pulumi secret. Deliver it with "
            "pulumi.Output.secret(...) or remove it from the allow-list.",
        )
        for path, _ in leaves(reg.inputs["values"], "values")
        if _allow_listed(path, allow_list) and not _covered(path, reg.secret_paths)
    ]
    return found
