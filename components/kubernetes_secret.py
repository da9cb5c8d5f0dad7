"""An immutable, versioned Kubernetes Secret from literals, files or generated values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from config.models import AnySecret, FileSecret, GeneratedSecret, LiteralSecret


@dataclass(frozen=True, kw_only=True)
class KubernetesSecretArgs:
    entry: AnySecret
    """The catalogue entry (source literal, file or generated)."""
    namespace: str
    """Namespace the Secret lives in."""
    literals: Mapping[str, pulumi.Output[str]]
    """Secret config key -> value, for literal sources."""
    project_dir: Path
    """Directory `file` sources are relative to."""


def versioned_name(name: str, version: int) -> str:
    """The Secret's name carries its version, never anything derived from the value."""
    return f"{name}-v{version}"


class KubernetesSecret(pulumi.ComponentResource):
    """`kubectl create secret generic`, immutable and versioned: a rotation creates a new Secret.

    The new Secret is created before the old one is deleted (the name changes, so Pulumi creates
    the replacement first), and consumers reference the versioned name, so they roll to it.
    """

    secret_name: pulumi.Output[str]
    """Name of the Kubernetes Secret (`<name>-v<version>`)."""

    def __init__(
        self, name: str, args: KubernetesSecretArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("secrets-platform:kubernetes_secret:KubernetesSecret", name, None, opts)
        entry = args.entry
        values = _values(name, args, self)
        secret = k8s.core.v1.Secret(
            f"{name}-secret",
            metadata={
                "name": versioned_name(entry.name, entry.version),
                "namespace": args.namespace,
                "labels": {
                    "app.kubernetes.io/managed-by": "secrets-platform",
                    "secrets-platform/secret": entry.name,
                    "secrets-platform/version": str(entry.version),
                },
                "annotations": {"secrets-platform/rotation-days": str(entry.rotation_days)},
            },
            type="Opaque",
            immutable=True,
            string_data=pulumi.Output.secret(pulumi.Output.all(**values)),
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=False),
        )
        self.secret_name = secret.metadata.name
        self.register_outputs({"secret_name": self.secret_name})


def _values(name: str, args: KubernetesSecretArgs, parent: pulumi.Resource) -> dict[str, pulumi.Output[str]]:
    entry = args.entry
    if isinstance(entry, LiteralSecret):
        return {
            key: pulumi.Output.secret(args.literals[config_key]) for key, config_key in entry.keys.items()
        }
    if isinstance(entry, FileSecret):
        return {
            key: pulumi.Output.secret((args.project_dir / path).read_text(encoding="utf-8"))
            for key, path in entry.keys.items()
        }
    if isinstance(entry, GeneratedSecret):
        return {
            key: random.RandomPassword(
                f"{name}-{key.replace('.', '-')}",
                length=entry.length,
                special=entry.special,
                # The rotation trigger: a new version draws a new value.
                keepers={"version": str(entry.version)},
                opts=pulumi.ResourceOptions(parent=parent),
            ).result
            for key in entry.keys
        }
    raise ValueError(f"source {entry.source} is delivered by the cloud store, not as a literal Secret")
