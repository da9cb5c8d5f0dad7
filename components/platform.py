"""The whole platform: a cloud foundation, and the secrets layer on its cluster."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pulumi

from components.cloud import foundation
from components.kubernetes_secret import KubernetesSecret, KubernetesSecretArgs
from config.models import StackConfig


@dataclass(frozen=True, kw_only=True)
class PlatformArgs:
    stack: StackConfig
    """The validated stack config."""
    literals: Mapping[str, pulumi.Output[str]]
    """Secret config key -> value, as Pulumi secrets."""
    project_dir: Path
    """Directory `file` sources are read from."""


class Platform(pulumi.ComponentResource):
    """Everything a stack declares, parented under one component so the plan reads as a tree."""

    cluster_name: pulumi.Output[str]
    """Name of the cluster."""
    secret_names: pulumi.Output[dict[str, str]]
    """Catalogue name -> name of the current (versioned) Kubernetes Secret."""

    def __init__(self, name: str, args: PlatformArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("secrets-platform:platform:Platform", name, None, opts)
        stack = args.stack
        cloud = foundation(f"{name}-{stack.cloud}", stack, pulumi.ResourceOptions(parent=self))
        k8s_opts = pulumi.ResourceOptions(parent=self, providers={"kubernetes": cloud.kubernetes_provider})
        secrets = {
            entry.name: KubernetesSecret(
                f"{name}-{entry.name}",
                KubernetesSecretArgs(
                    entry=entry,
                    namespace=stack.secret_namespace(entry),
                    literals=args.literals,
                    project_dir=args.project_dir,
                ),
                k8s_opts,
            )
            for entry in stack.secrets
            if entry.source != "cloud"
        }
        self.cluster_name = cloud.cluster_name
        self.secret_names = pulumi.Output.from_input({n: s.secret_name for n, s in secrets.items()})
        self.register_outputs({"cluster_name": self.cluster_name, "secret_names": self.secret_names})
