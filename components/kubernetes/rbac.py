"""Least-privilege RBAC for Secrets: who may read and who may manage them, namespace by namespace.

- A workload gets `get` on exactly the Secrets granted to it (`resourceNames` = their versioned
  names), bound to its ServiceAccount only. No `list` or `watch`: both return every Secret's data
  whatever `resourceNames` says (kubernetes.io/docs/concepts/security/rbac-good-practices).
- The operations team (`operators.group`) gets a Role per namespace that holds Secrets, to create,
  update, patch, delete and get them and to roll Deployments.
- App developers get nothing here, and no ClusterRole is declared: no binding reaches Secrets of
  every namespace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.namespace import MANAGED_BY

RBAC_API_GROUP = "rbac.authorization.k8s.io"

READER_VERBS = ["get"]
"""All a workload may do to its Secrets."""

OPERATOR_SECRET_VERBS = ["create", "delete", "get", "patch", "update"]
"""What operators do to Secrets: create a rotated one, delete the replaced one, inspect, fix.
Without `list`/`watch`, which would read every Secret of the namespace at once."""

OPERATOR_DEPLOYMENT_VERBS = ["get", "patch"]
"""To roll a Deployment (`kubectl rollout restart` reads the Deployment, then patches its template
annotation); a Deployment holds no secret value, since pods only reference Secrets by name."""

FORBIDDEN_VERBS = frozenset({"list", "watch", "*"})
"""Verbs no Role of this module may grant on Secrets."""


@dataclass(frozen=True, kw_only=True)
class SecretReaderArgs:
    namespace: pulumi.Input[str]
    """Namespace of the workload and its Secrets (the Namespace's output, so the Role waits for it)."""
    service_account: pulumi.Input[str]
    """The workload's ServiceAccount, the only subject bound."""
    secret_names: Sequence[str]
    """Versioned names of the Secrets the workload may `get`."""
    workload: str
    """Workload name; the Role and RoleBinding are named after it."""


@dataclass(frozen=True, kw_only=True)
class SecretOperatorArgs:
    namespace: pulumi.Input[str]
    """Namespace whose Secrets the group manages (the Namespace's output)."""
    group: str
    """Kubernetes group of the operations team (`operators.group`)."""
    secret_names: list[str]
    """Versioned names of the catalogue Secrets of this namespace, the only ones operators may touch."""


def check_reader_args(args: SecretReaderArgs) -> list[str]:
    """Why these arguments cannot make a reader Role (empty when they can); pure, tested without mocks."""
    problems = []
    if not args.secret_names:
        # An empty `resourceNames` means "every Secret of the namespace" to the authorizer.
        problems.append(
            f"{args.workload!r} is granted no Secret: declare no reader Role rather than an empty one"
        )
    if any(not name or "*" in name for name in args.secret_names):
        problems.append(f"{args.workload!r}: Secret names must be exact, without wildcards")
    if len(set(args.secret_names)) != len(args.secret_names):
        problems.append(f"{args.workload!r}: a Secret is granted twice")
    return problems


def check_operator_args(args: SecretOperatorArgs) -> list[str]:
    """Why these arguments cannot make an operator Role (empty when they can)."""
    if not args.group or args.group in ("system:authenticated", "system:unauthenticated", "system:masters"):
        return [f"group {args.group!r} is not a team: name the operations team's own group"]
    return []


class SecretReader(pulumi.ComponentResource):
    """A Role that may `get` exactly the Secrets granted to one workload, bound to its ServiceAccount."""

    role_name: pulumi.Output[str]
    """Name of the Role, for audit reports."""

    def __init__(self, name: str, args: SecretReaderArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        problems = check_reader_args(args)
        if problems:
            raise ValueError("; ".join(problems))
        super().__init__("secrets-platform:rbac:SecretReader", name, None, opts)
        role = k8s.rbac.v1.Role(
            f"{name}-role",
            metadata={
                "name": f"{args.workload}-secret-reader",
                "namespace": args.namespace,
                "labels": MANAGED_BY,
            },
            rules=[
                {
                    "api_groups": [""],
                    "resources": ["secrets"],
                    "resource_names": sorted(args.secret_names),
                    "verbs": READER_VERBS,
                }
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        k8s.rbac.v1.RoleBinding(
            f"{name}-binding",
            metadata={
                "name": f"{args.workload}-secret-reader",
                "namespace": args.namespace,
                "labels": MANAGED_BY,
            },
            role_ref={"api_group": RBAC_API_GROUP, "kind": "Role", "name": role.metadata.name},
            subjects=[{"kind": "ServiceAccount", "name": args.service_account, "namespace": args.namespace}],
            opts=pulumi.ResourceOptions(parent=role),
        )
        self.role_name = role.metadata.name
        self.register_outputs({"role_name": self.role_name})


class SecretOperator(pulumi.ComponentResource):
    """A Role to manage the Secrets of one namespace and roll its Deployments, bound to the operators."""

    role_name: pulumi.Output[str]
    """Name of the Role, for audit reports."""

    def __init__(
        self, name: str, args: SecretOperatorArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_operator_args(args)
        if problems:
            raise ValueError("; ".join(problems))
        super().__init__("secrets-platform:rbac:SecretOperator", name, None, opts)
        metadata = {"name": "secrets-operator", "namespace": args.namespace, "labels": MANAGED_BY}
        role = k8s.rbac.v1.Role(
            f"{name}-role",
            metadata=metadata,
            rules=[
                # `create` cannot be limited by name (the authorizer sees no name yet, per the
                # Kubernetes RBAC docs), so it stands alone; everything else names the Secrets.
                {"api_groups": [""], "resources": ["secrets"], "verbs": ["create"]},
                {
                    "api_groups": [""],
                    "resources": ["secrets"],
                    "resource_names": sorted(args.secret_names),
                    "verbs": [v for v in OPERATOR_SECRET_VERBS if v != "create"],
                },
                {"api_groups": ["apps"], "resources": ["deployments"], "verbs": OPERATOR_DEPLOYMENT_VERBS},
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        k8s.rbac.v1.RoleBinding(
            f"{name}-binding",
            metadata=metadata,
            role_ref={"api_group": RBAC_API_GROUP, "kind": "Role", "name": role.metadata.name},
            subjects=[{"kind": "Group", "name": args.group, "api_group": RBAC_API_GROUP}],
            opts=pulumi.ResourceOptions(parent=role),
        )
        self.role_name = role.metadata.name
        self.register_outputs({"role_name": self.role_name})
