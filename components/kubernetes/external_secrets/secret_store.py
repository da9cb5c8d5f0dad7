"""A namespaced SecretStore per workload identity, and the Role that lets ESO use that identity alone."""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints`, which cannot evaluate string annotations once the module has been dropped
# from `sys.modules` (as the offline runner does between stacks); see components/aws/foundation.py.
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.conventions import MANAGED_BY, RBAC_API_GROUP
from components.kubernetes.external_secrets.operator import ExternalSecretsOperator
from components.kubernetes.external_secrets.sync import (
    EXTERNAL_SECRETS_API_VERSION,
    STORE_KIND,
    WAIT_FOR_ANNOTATION,
    WAIT_FOR_READY,
)
from config.patterns import is_dns_label, is_dns_subdomain


@dataclass(frozen=True, kw_only=True)
class SyncSecretStoreArgs:
    workload: str
    """Workload whose identity the store uses; the store is named `<workload>-<store_suffix>`."""
    namespace: pulumi.Input[str]
    """Namespace of the workload and its sync ServiceAccount (`WorkloadIdentity.namespace`)."""
    service_account: pulumi.Input[str]
    """The sync ServiceAccount (`WorkloadIdentity.service_account_name`), so the store waits for it."""
    provider: Mapping[str, Any]
    """The store's `spec.provider`, reading as that ServiceAccount (`SecretStore.provider()`)."""
    store_suffix: str
    """Names the store's kind in the SecretStore's name (`secrets-manager`, `key-vault`)."""
    operator: ExternalSecretsOperator
    """The operator: its release installs the CRDs; its controller is granted tokens of the account."""


def check_store_args(args: SyncSecretStoreArgs) -> list[str]:
    """Why these arguments cannot make a store (empty when they can); pure, tested without mocks."""
    problems = []
    if not is_dns_label(args.workload):
        problems.append(f"workload {args.workload!r} is not a Kubernetes name")
    elif not is_dns_label(args.store_suffix) or not is_dns_subdomain(
        store_name(args.workload, args.store_suffix)
    ):
        problems.append(
            f"store suffix {args.store_suffix!r} does not make a Kubernetes name with workload {args.workload!r}"
        )
    if len(args.provider) != 1:
        problems.append(
            f"the store of {args.workload!r} needs exactly one provider, got {sorted(args.provider)}"
        )
    return problems


def store_name(workload: str, suffix: str) -> str:
    """Name of the SecretStore of a workload's identity."""
    return f"{workload}-{suffix}"


class SyncSecretStore(pulumi.ComponentResource):
    """A namespaced SecretStore reading a cloud store as one workload's sync identity, and the
    Role that lets ESO request tokens for that identity's ServiceAccount, and no other."""

    store_name: pulumi.Output[str]
    """Name of the SecretStore, for `SyncedSecret.store_name`."""
    namespace: pulumi.Output[str]
    """Namespace of the SecretStore."""

    def __init__(
        self, name: str, args: SyncSecretStoreArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_store_args(args)
        if problems:
            raise ValueError(f"secret store of {args.workload!r}: " + "; ".join(problems))
        super().__init__("secrets-platform:external_secrets:SyncSecretStore", name, None, opts)
        labels = {**MANAGED_BY, "secrets-platform/workload": args.workload}
        operator = args.operator
        # Named after the account (`<account>-token`), so two stores syncing for one workload (each
        # with its own account) never claim the same Role name.
        token_role_name = pulumi.Output.from_input(args.service_account).apply(lambda sa: f"{sa}-token")
        token_role = k8s.rbac.v1.Role(
            f"{name}-token-role",
            metadata={
                "name": token_role_name,
                "namespace": args.namespace,
                "labels": labels,
            },
            # `create` on a subresource of a named object can be limited by name (the request path
            # carries it), unlike `create` of a new object.
            rules=[
                {
                    "api_groups": [""],
                    "resources": ["serviceaccounts/token"],
                    "resource_names": [args.service_account],
                    "verbs": ["create"],
                }
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        binding = k8s.rbac.v1.RoleBinding(
            f"{name}-token-binding",
            metadata={
                "name": token_role_name,
                "namespace": args.namespace,
                "labels": labels,
            },
            role_ref={"api_group": RBAC_API_GROUP, "kind": "Role", "name": token_role.metadata.name},
            subjects=[
                {
                    "kind": "ServiceAccount",
                    "name": operator.controller_service_account,
                    "namespace": operator.controller_namespace,
                }
            ],
            opts=pulumi.ResourceOptions(parent=token_role),
        )
        store = k8s.apiextensions.CustomResource(
            f"{name}-store",
            api_version=EXTERNAL_SECRETS_API_VERSION,
            kind=STORE_KIND,
            metadata={
                "name": store_name(args.workload, args.store_suffix),
                "namespace": args.namespace,
                "labels": labels,
                "annotations": {WAIT_FOR_ANNOTATION: WAIT_FOR_READY},
            },
            spec={"provider": dict(args.provider)},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[operator.release, binding]),
        )
        self.store_name = store.metadata["name"]
        self.namespace = store.metadata["namespace"]
        self.register_outputs({"store_name": self.store_name, "namespace": self.namespace})
