"""The whole platform: a cloud foundation, and the secrets layer on its cluster."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from components.cloud import cloud_backend
from components.kubernetes.external_secrets.delivery import SecretDeliveryArgs
from components.kubernetes.external_secrets.sync import sync_plan
from components.kubernetes.helm_release import (
    HelmChartRelease,
    HelmChartReleaseArgs,
    bff_sets,
    overrides_rotation_days,
    overrides_version,
)
from components.kubernetes.namespace import IsolatedNamespace, namespace_args
from components.kubernetes.secret import KubernetesSecret, KubernetesSecretArgs, versioned_name
from components.kubernetes.secret_operator import SecretOperator, SecretOperatorArgs
from components.kubernetes.secret_reader import SecretReader, SecretReaderArgs
from components.kubernetes.workload import SecretGrant, WorkloadDeployment, WorkloadDeploymentArgs
from components.mobile.bff_ingress import BffIngress, BffIngressArgs
from components.vault.backend import VaultBackend, vault_entries
from config.models import CloudSecret, StackConfig


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
    app_secrets: pulumi.Output[dict[str, list[str]]]
    """Mobile app -> catalogue secrets it may fetch through the BFF (names only, not secret)."""

    def __init__(self, name: str, args: PlatformArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("secrets-platform:platform:Platform", name, None, opts)
        stack = args.stack
        backend = cloud_backend(stack, args.project_dir)
        cloud = backend.foundation(f"{name}-{stack.cloud}", pulumi.ResourceOptions(parent=self))
        k8s_opts = pulumi.ResourceOptions(parent=self, providers={"kubernetes": cloud.kubernetes_provider})
        namespaces = {
            ns.namespace: IsolatedNamespace(f"{name}-ns-{ns.namespace}", ns, k8s_opts)
            for ns in namespace_args(stack)
        }
        # Objects take their namespace from the Namespace's output, so each waits for its namespace.
        secrets = {
            entry.name: KubernetesSecret(
                f"{name}-{entry.name}",
                KubernetesSecretArgs(
                    entry=entry,
                    namespace=namespaces[stack.secret_namespace(entry)].namespace_name,
                    literals=args.literals,
                    project_dir=args.project_dir,
                ),
                k8s_opts,
            )
            for entry in stack.secrets
            # `cloud` secrets are synced into the cluster by the cloud store, under the same name.
            if entry.source != "cloud"
        }
        cloud_plan = sync_plan(stack)
        vault_plan = sync_plan(stack, store="hashicorp-vault") if stack.vault is not None else {}
        # Reloader watches the namespaces of every store's synced Secrets, whichever delivery
        # declares the one operator of the cluster.
        reload_namespaces = [
            namespaces[ns].namespace_name
            for ns in sorted({stack.workload(w).namespace_name for w in [*cloud_plan, *vault_plan]})
        ]
        delivery = backend.secret_delivery(
            f"{name}-store",
            SecretDeliveryArgs(
                backend=backend,
                foundation=cloud,
                entries=[e for e in stack.secrets if isinstance(e, CloudSecret) and e.store == "default"],
                sync_plan=cloud_plan,
                workloads={w.name: w for w in stack.workloads},
                namespaces={n: ns.namespace_name for n, ns in namespaces.items()},
                kubernetes_version=stack.cluster.kubernetes_version,
                reload_namespaces=reload_namespaces,
            ),
            k8s_opts,
        )
        synced = dict(delivery.synced_secret_names) if delivery is not None else {}
        if stack.vault is not None:
            synced |= _vault_delivery(
                name, stack, args.literals, cloud, delivery, vault_plan, namespaces, reload_namespaces, self
            )
        _workloads(name, stack, namespaces, secrets, synced, k8s_opts)
        _helm_releases(name, stack, args.project_dir, namespaces, secrets, k8s_opts)
        for namespace in sorted({stack.secret_namespace(entry) for entry in stack.secrets}):
            SecretOperator(
                f"{name}-operators-{namespace}",
                SecretOperatorArgs(
                    namespace=namespaces[namespace].namespace_name,
                    group=stack.operators.group,
                    secret_names=sorted(
                        versioned_name(e.name, e.version)
                        for e in stack.secrets
                        if stack.secret_namespace(e) == namespace
                    ),
                ),
                k8s_opts,
            )

        self.cluster_name = cloud.cluster_name
        self.secret_names = pulumi.Output.from_input(
            {**{n: s.secret_name for n, s in secrets.items()}, **synced}
        )
        self.app_secrets = pulumi.Output.from_input({app.name: list(app.secrets) for app in stack.apps})
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "secret_names": self.secret_names,
                "app_secrets": self.app_secrets,
            }
        )


def _vault_delivery(
    name: str,
    stack: StackConfig,
    literals: Mapping[str, pulumi.Output[str]],
    cloud: Any,
    cloud_delivery: Any,
    vault_plan: Mapping[str, Sequence[CloudSecret]],
    namespaces: Mapping[str, IsolatedNamespace],
    reload_namespaces: Sequence[pulumi.Input[str]],
    parent: pulumi.Resource,
) -> dict[str, pulumi.Output[str]]:
    """The Vault store beside the cloud's: its mounts, then its delivery through the same operator."""
    vault_backend = VaultBackend(
        stack,
        cloud,
        alarm_topic=cloud_delivery.alarm_topic if cloud_delivery is not None else None,
        literals=literals,
    )
    foundation = vault_backend.foundation(f"{name}-vault", pulumi.ResourceOptions(parent=parent))
    delivery = vault_backend.secret_delivery(
        f"{name}-vault-store",
        SecretDeliveryArgs(
            backend=vault_backend,
            foundation=foundation,
            entries=vault_entries(stack),
            sync_plan=vault_plan,
            workloads={w.name: w for w in stack.workloads},
            namespaces={n: ns.namespace_name for n, ns in namespaces.items()},
            kubernetes_version=stack.cluster.kubernetes_version,
            operator=cloud_delivery.operator if cloud_delivery is not None else None,
            reload_namespaces=reload_namespaces,
        ),
        pulumi.ResourceOptions(
            parent=parent,
            providers={"kubernetes": cloud.kubernetes_provider, "vault": foundation.provider},
        ),
    )
    return dict(delivery.synced_secret_names)


def _workloads(
    name: str,
    stack: StackConfig,
    namespaces: Mapping[str, IsolatedNamespace],
    secrets: Mapping[str, KubernetesSecret],
    synced: Mapping[str, pulumi.Output[str]],
    opts: pulumi.ResourceOptions,
) -> None:
    """Per workload: a reader Role on exactly its Secrets, and its Deployment consuming them."""
    for workload in stack.workloads:
        namespace = namespaces[workload.namespace_name]
        grants = [
            SecretGrant(
                entry=entry,
                # The KubernetesSecret's output makes the Deployment wait for the new Secret.
                secret_name=secrets[entry.name].secret_name
                if entry.name in secrets
                else synced.get(entry.name, versioned_name(entry.name, entry.version)),
                namespace=stack.secret_namespace(entry),
            )
            for entry in stack.secrets
            if workload.name in entry.readers
        ]
        service_account = namespace.service_account_names[workload.name]
        if grants:
            SecretReader(
                f"{name}-reader-{workload.name}",
                SecretReaderArgs(
                    namespace=namespace.namespace_name,
                    service_account=service_account,
                    secret_names=[versioned_name(g.entry.name, g.entry.version) for g in grants],
                    workload=workload.name,
                ),
                opts,
            )
        # The ServiceAccount's output makes the Deployment wait for it (and so for the namespace).
        WorkloadDeployment(
            f"{name}-workload-{workload.name}",
            WorkloadDeploymentArgs(workload=workload, service_account_name=service_account, secrets=grants),
            opts,
        )


def _helm_releases(
    name: str,
    stack: StackConfig,
    project_dir: Path,
    namespaces: Mapping[str, IsolatedNamespace],
    secrets: Mapping[str, KubernetesSecret],
    opts: pulumi.ResourceOptions,
) -> None:
    """Per Helm release: its secret overrides in a versioned Secret, and the release reading it.

    The BFF chart also gets the stack's `bff:` settings and an Ingress declared by the platform.
    """
    catalogue = {entry.name: entry for entry in stack.secrets}
    tls = catalogue[stack.bff.tls_secret]
    # The TLS Secret's output, when the platform declares it, makes the release wait for it.
    tls_secret = (
        secrets[tls.name].secret_name if tls.name in secrets else versioned_name(tls.name, tls.version)
    )
    for release in stack.helm_releases:
        is_bff = release.chart == "charts/bff"
        namespace = (
            namespaces[release.namespace].namespace_name
            if release.namespace in namespaces
            else release.namespace
        )
        HelmChartRelease(
            f"{name}-helm-{release.name}",
            HelmChartReleaseArgs(
                release=release,
                project_dir=project_dir,
                namespace=namespace,
                secret_values={o.path: secrets[o.secret].values[o.key] for o in release.secret_values},
                sets=bff_sets(stack.bff, tls_secret) if is_bff else {},
                secret_version=overrides_version(release, catalogue),
                rotation_days=overrides_rotation_days(release, catalogue),
            ),
            opts,
        )
        if is_bff:
            BffIngress(
                f"{name}-bff-ingress",
                BffIngressArgs(
                    bff=stack.bff,
                    namespace=namespace,
                    # `bff.fullname` in the chart: the release name when it contains the chart's name.
                    service_name=release.name if "bff" in release.name else f"{release.name}-bff",
                    tls_secret_name=tls_secret,
                ),
                opts,
            )
