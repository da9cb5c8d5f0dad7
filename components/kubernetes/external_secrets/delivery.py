"""Store secrets delivered into pods, whichever store holds them.

`SecretDelivery` declares, through a backend (`components/cloud.py`): the store with its secrets, the
External Secrets Operator, per workload that reads store secrets an identity, a SecretStore and one
ExternalSecret per secret, and the audit of who reads them. Each cloud subclasses it only to give it
its own type string, which is part of every child's URN and so never changes once released.
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints`, which cannot evaluate string annotations once the module has been dropped
# from `sys.modules` (as the offline runner does between stacks); see components/aws/foundation.py.
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi

from components.cloud import CloudBackend, IdentityRequest
from components.kubernetes.external_secrets.operator import (
    ExternalSecretsOperator,
    ExternalSecretsOperatorArgs,
)
from components.kubernetes.external_secrets.secret_store import SyncSecretStore, SyncSecretStoreArgs
from components.kubernetes.external_secrets.synced_secret import SyncedSecret, SyncedSecretArgs
from config.models import CloudSecret, Workload


@dataclass(frozen=True, kw_only=True)
class SecretDeliveryArgs:
    backend: CloudBackend
    """The cloud whose store, identities and audit are declared."""
    foundation: Any
    """That cloud's foundation (its keys, its cluster's OIDC issuer)."""
    entries: Sequence[CloudSecret]
    """The secrets the store holds."""
    sync_plan: Mapping[str, Sequence[CloudSecret]]
    """Workload name -> the secrets its identity syncs (`external_secrets.sync.sync_plan`)."""
    workloads: Mapping[str, Workload]
    """The stack's workloads, by name."""
    namespaces: Mapping[str, pulumi.Input[str]]
    """Namespace name -> the Namespace's name output, so objects placed in it wait for it."""
    kubernetes_version: str
    """Cluster minor version (`1.31`), for the operator's namespace."""
    operator: ExternalSecretsOperator | None = None
    """The operator, when another store's delivery declared it already (one per cluster); otherwise
    this delivery declares it, if it syncs anything."""
    reload_namespaces: Sequence[pulumi.Input[str]] | None = None
    """Namespaces whose Deployments consume synced Secrets of every store, for Reloader; by default
    those of this delivery's own sync plan."""
    extra_readers: Sequence[pulumi.Input[str]] = ()
    """Other identities that read the store by design (the CMS database's sync identity), so the audit
    does not alarm on them."""
    always_operator: bool = False
    """Declare the operator even with nothing of the catalogue to sync (another part syncs through it)."""


class SecretDelivery(pulumi.ComponentResource):
    """A store's secrets, synced per workload into the versioned Secrets the Deployments consume."""

    TYPE: ClassVar[str]
    """The component's type string, one per cloud (subclasses set it)."""

    synced_secret_names: Mapping[str, pulumi.Output[str]]
    """Catalogue name -> name of the Kubernetes Secret External Secrets keeps in sync."""
    alarm_topic: pulumi.Output[str]
    """Where the unauthorized-access alerts go."""
    audit: Any
    """The store's audit (the backend's own kind), whose alert target the stack's other alerts share."""
    operator: ExternalSecretsOperator | None
    """The External Secrets Operator this delivery syncs through (None when it syncs nothing)."""

    def __init__(
        self, name: str, args: SecretDeliveryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        # The providers (the cluster's Kubernetes provider, Vault's) are handed to the children
        # explicitly rather than registered on this component: a component's registration waits for
        # every provider of its map, and the Kubernetes one waits for the cluster. On Azure the cluster
        # waits for the audit's Log Analytics workspace (Container Insights sends logs there,
        # `components/azure/backend.py`), so the audit, and this component above it, must register
        # without waiting for the cluster. Each child gets the same providers as before.
        providers = _provider_map(opts)
        own = pulumi.ResourceOptions.merge(opts, None)
        own.providers = None
        super().__init__(self.TYPE, name, None, own)
        child = pulumi.ResourceOptions(parent=self, providers=providers)
        store = args.backend.secret_store(f"{name}-store", args.foundation, args.entries, child)
        self.operator, synced, readers = _sync(name, args, store, child)
        audit = args.backend.audit(
            f"{name}-audit",
            args.foundation,
            [*readers, *store.service_readers],
            pulumi.ResourceOptions(
                parent=self, providers={k: v for k, v in providers.items() if k != KUBERNETES}
            ),
        )
        self.synced_secret_names = {n: s.secret_name for n, s in synced.items()}
        self.audit = audit
        self.alarm_topic = audit.alarm_topic
        self.register_outputs(
            {"synced_secret_names": self.synced_secret_names, "alarm_topic": self.alarm_topic}
        )


KUBERNETES = "kubernetes"
"""Package of the cluster's provider, which no audit uses."""


def _provider_map(opts: pulumi.ResourceOptions | None) -> dict[str, pulumi.ProviderResource]:
    """The providers map of `opts` by package (`providers` may be a mapping or a list)."""
    if opts is None or opts.providers is None:
        return {}
    if isinstance(opts.providers, Mapping):
        return dict(opts.providers)
    return {provider.package: provider for provider in opts.providers}


def _sync(
    name: str, args: SecretDeliveryArgs, store: Any, opts: pulumi.ResourceOptions
) -> tuple[ExternalSecretsOperator | None, dict[str, Any], list[pulumi.Input[str]]]:
    """Per workload reading store secrets: its identity, its SecretStore, one ExternalSecret each."""
    if not args.sync_plan and not args.always_operator:
        return args.operator, {}, []
    operator = args.operator or ExternalSecretsOperator(
        f"{name}-eso",
        ExternalSecretsOperatorArgs(
            kubernetes_version=args.kubernetes_version,
            reload_namespaces=args.reload_namespaces
            if args.reload_namespaces is not None
            else [
                args.namespaces[ns]
                for ns in sorted({args.workloads[w].namespace_name for w in args.sync_plan})
            ],
        ),
        opts,
    )
    synced: dict[str, Any] = {}
    readers: list[pulumi.Input[str]] = []
    for workload_name, entries in args.sync_plan.items():
        workload = args.workloads[workload_name]
        identity = args.backend.workload_identity(
            f"{name}-identity-{workload_name}",
            args.foundation,
            store,
            IdentityRequest(
                workload=workload, entries=entries, namespace=args.namespaces[workload.namespace_name]
            ),
            opts,
        )
        readers.append(identity.principal)
        sync_store = SyncSecretStore(
            f"{name}-sync-store-{workload_name}",
            SyncSecretStoreArgs(
                workload=workload_name,
                namespace=identity.namespace,
                service_account=identity.service_account_name,
                provider=store.provider(identity.service_account_name),
                store_suffix=store.store_suffix,
                operator=operator,
            ),
            opts,
        )
        for entry in entries:
            # A store may deliver some entries its own way (Vault's dynamic database credentials).
            own = getattr(store, "synced_secret", None)
            synced[entry.name] = (
                own(f"{name}-synced-{entry.name}", entry, sync_store, identity, operator, opts)
                if own is not None
                else SyncedSecret(
                    f"{name}-synced-{entry.name}",
                    SyncedSecretArgs(
                        entry=entry,
                        namespace=sync_store.namespace,
                        store_name=sync_store.store_name,
                        remote_key=store.remote_keys[entry.name],
                        operator=operator,
                    ),
                    opts,
                )
            )
    return operator, synced, readers
