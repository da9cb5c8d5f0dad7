"""An immutable, versioned Kubernetes Secret from literals, files or generated values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.kubernetes.conventions import MANAGED_BY
from config.models import AnySecret, CloudSecret, FileSecret, GeneratedSecret, LiteralSecret

ROTATION_ANNOTATION = "secrets-platform/rotation-days"
"""Read by the rotation policies (policies/_support.py) on every platform Secret."""


@dataclass(frozen=True, kw_only=True)
class KubernetesSecretArgs:
    entry: AnySecret
    """The catalogue entry (source literal, file or generated)."""
    namespace: pulumi.Input[str]
    """Namespace the Secret lives in (the Namespace's output, so the Secret waits for it)."""
    literals: Mapping[str, pulumi.Output[str]]
    """Secret config key -> value, for literal sources."""
    project_dir: Path
    """Directory `file` sources are relative to."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """More labels, such as `secrets-platform/cms-access` on the CMS tokens (read by the policy pack)."""


DELIVERY_LABEL = "secrets-platform/delivery"
"""`mobile` on a Secret declared for mobile delivery: the only kind a CMS writer Job may write."""
CMS_ACCESS_LABEL = "secrets-platform/cms-access"
"""`read` or `write` on a CMS token's Secret (a write token must never leave the CMS namespace)."""


def versioned_name(name: str, version: int) -> str:
    """The Secret's name carries its version, never anything derived from the value."""
    return f"{name}-v{version}"


def secret_labels(entry: AnySecret | CloudSecret) -> dict[str, str]:
    """Labels of a catalogue Secret, whether the platform declares it or the cloud store syncs it."""
    labels = {
        **MANAGED_BY,
        "secrets-platform/secret": entry.name,
        "secrets-platform/version": str(entry.version),
    }
    if entry.mobile:
        labels[DELIVERY_LABEL] = "mobile"
    return labels


def check_secret_args(args: KubernetesSecretArgs) -> list[str]:
    """Why these arguments cannot make a Secret (empty when they can); pure, tested without mocks."""
    entry = args.entry
    if not isinstance(entry, LiteralSecret | FileSecret | GeneratedSecret):
        return [
            f"secret {entry.name!r} has source {entry.source!r}: the cloud store delivers it, "
            "so declare no Kubernetes Secret for it"
        ]
    if isinstance(entry, LiteralSecret):
        return [
            f"secret {entry.name!r}: data key {key!r} names config key {config_key!r}, which was not "
            "read as a secret (`pulumi config set --secret` it and pass it in `literals`)"
            for key, config_key in entry.keys.items()
            if config_key not in args.literals
        ]
    return []


class KubernetesSecret(pulumi.ComponentResource):
    """`kubectl create secret generic`, immutable and versioned: a rotation creates a new Secret.

    Rotation is a version bump. The Secret's `metadata.name` changes (`<name>-v1` to `<name>-v2`)
    while its Pulumi URN stays the same, and a changed name forces a replacement. Pulumi replaces
    create-before-delete unless `deleteBeforeReplace` is set (it is pinned to `False` here), so
    the new Secret exists before consumers switch to it, and the old one is deleted only at the
    end of the update, once the Deployments that name the new Secret have rolled. Every value is a
    Pulumi secret, whatever its source: `stringData` is encrypted in the state and masked in
    previews.
    """

    secret_name: pulumi.Output[str]
    """Name of the Kubernetes Secret (`<name>-v<version>`)."""
    namespace: pulumi.Output[str]
    """Namespace of the Kubernetes Secret."""
    values: Mapping[str, pulumi.Output[str]]
    """Data key -> value, each a Pulumi secret (for Helm secret overrides); never export it."""

    def __init__(
        self, name: str, args: KubernetesSecretArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_secret_args(args)
        if problems:
            raise ValueError("; ".join(problems))
        super().__init__("secrets-platform:kubernetes_secret:KubernetesSecret", name, None, opts)
        entry = args.entry
        values = _values(name, args, self)
        secret = k8s.core.v1.Secret(
            f"{name}-secret",
            metadata={
                "name": versioned_name(entry.name, entry.version),
                "namespace": args.namespace,
                "labels": {**secret_labels(entry), **args.labels},
                "annotations": {ROTATION_ANNOTATION: str(entry.rotation_days)},
            },
            type="Opaque",
            immutable=True,
            string_data=pulumi.Output.secret(pulumi.Output.all(**values)),
            # False is Pulumi's default, pinned here: a rotation must never leave a gap.
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=False),
        )
        self.values = {key: pulumi.Output.secret(value) for key, value in values.items()}
        self.secret_name = secret.metadata.name
        self.namespace = secret.metadata.namespace
        self.register_outputs({"secret_name": self.secret_name, "namespace": self.namespace})


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
            # `result` is already secret (additionalSecretOutputs); wrapping says so where it is used.
            key: pulumi.Output.secret(
                random.RandomPassword(
                    f"{name}-{key.replace('.', '-')}",
                    length=entry.length,
                    special=entry.special,
                    # The rotation trigger: a new version draws a new value.
                    keepers={"version": str(entry.version)},
                    opts=pulumi.ResourceOptions(parent=parent),
                ).result
            )
            for key in entry.keys
        }
    raise ValueError(f"source {entry.source} is delivered by the cloud store, not as a literal Secret")
