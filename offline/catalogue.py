"""A stack's catalogue as the rotation commands see it: validated config, where each value lives.

The rotation, rotate, revoke, import and report commands need the stack's validated config without
running the program: which source each catalogue entry has, which store keeps it and under which
name, and which secrets provider encrypts the stack's `secure:` values. This module reads the stack
file the way `offline.stackfiles` does (project defaults, `secure:` values never decrypted) and
validates it with the same models the program uses (`config.loader.parse`), so a stack the program
would refuse is refused here with the same lines.

Store names are the components' own functions, so a name here is the name `pulumi up` gives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.aws.secret_store import secret_name as aws_secret_name
from components.vault.paths import kv_path
from config.azure_names import keyvault_secret_name
from config.errors import ConfigError
from config.loader import _field_aliases, parse
from config.models import PROJECT, AnySecret, CloudSecret, StackConfig
from offline.stackfiles import read_stack

SECRETS_MANAGER = "secrets-manager"
KEY_VAULT = "key-vault"
VAULT = "hashicorp-vault"

CLOUD_PROVIDER_SCHEMES = ("awskms", "azurekeyvault", "gcpkms", "hashivault")
"""`secretsprovider:` schemes whose key lives in a cloud KMS: no value can be encrypted offline."""


@dataclass(frozen=True)
class Catalogue:
    """A stack's validated config and the facts about its stack file the commands need."""

    project: str
    stack: str
    stack_file: Path
    config: StackConfig
    secrets_provider: str
    """`passphrase`, or the scheme of a cloud provider (`awskms`, `azurekeyvault`...), or `default`."""
    has_encryption_salt: bool
    """Whether the stack file has an `encryptionsalt:` (the passphrase provider's key check)."""

    def entry(self, name: str) -> AnySecret | None:
        return next((s for s in self.config.secrets if s.name == name), None)

    @property
    def passphrase_provider(self) -> bool:
        """Whether this project can write `secure:` values itself, as `pulumi config set --secret` would."""
        return self.secrets_provider == "passphrase" and self.has_encryption_salt


def load_catalogue(project_dir: Path, stack: str) -> Catalogue:
    """Read and validate a stack's config; raise `ConfigError` (exit 2) as `plan` would."""
    stack_input = read_stack(project_dir, stack)
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    raw: dict[str, Any] = {}
    prefix = f"{PROJECT}:"
    # The keys the models declare (not the secret keys a literal entry names).
    aliases = set(_field_aliases()) - {"region"}
    for full, value in stack_input.config.items():
        if not full.startswith(prefix) or full[len(prefix) :] not in aliases:
            continue
        try:
            raw[full[len(prefix) :]] = json.loads(value) if value[:1] in "[{" else value
        except json.JSONDecodeError:
            raw[full[len(prefix) :]] = value
    cloud = raw.get("cloud")
    region = stack_input.config.get("aws:region" if cloud == "aws" else "azure-native:location", "")
    config, problems = parse(raw, region)
    if problems or config is None:
        raise ConfigError(stack_file.name, problems)
    text = stack_file.read_text(encoding="utf-8")
    return Catalogue(
        project=stack_input.project,
        stack=stack,
        stack_file=stack_file,
        config=config,
        secrets_provider=stack_input.secrets_provider,
        has_encryption_salt="\nencryptionsalt:" in f"\n{text}",
    )


def store_of(config: StackConfig, entry: AnySecret) -> str | None:
    """The store that keeps an entry's value (`secrets-manager`, `key-vault`, `hashicorp-vault`), or
    None when the platform holds it (literal, file, generated: a Kubernetes Secret only)."""
    if entry.source != "cloud":
        return None
    if entry.store == "hashicorp-vault":
        return VAULT
    return SECRETS_MANAGER if config.cloud == "aws" else KEY_VAULT


def store_name(config: StackConfig, entry: CloudSecret) -> str:
    """The entry's name in its store, as the store components name it."""
    store = store_of(config, entry)
    if store == SECRETS_MANAGER:
        return aws_secret_name(config.cluster.name, entry)
    if store == KEY_VAULT:
        return keyvault_secret_name(config.cluster.name, entry.name)
    return kv_path(config.cluster.name, entry.name)


def store_rotated(config: StackConfig, entry: AnySecret) -> bool:
    """Whether the store itself rotates the value (Secrets Manager's Lambda, the Key Vault function):
    then the value's age is the store's to tell, not the stack file's history."""
    store = store_of(config, entry)
    return entry.source == "cloud" and entry.generate and store in (SECRETS_MANAGER, KEY_VAULT)


def operator_written(config: StackConfig, entry: AnySecret) -> bool:
    """Whether operators write the value into the store (`generate: false`): its age is the store's."""
    return entry.source == "cloud" and not entry.generate and entry.database is None


def config_key(full_or_bare: str) -> str:
    """`secrets-platform:key` for a bare key, unchanged for a namespaced one."""
    return full_or_bare if ":" in full_or_bare else f"{PROJECT}:{full_or_bare}"
