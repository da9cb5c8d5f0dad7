"""A workload's read access to its Secrets: `get` on exactly the Secrets granted to it.

`resourceNames` lists their versioned names; the Role is bound to the workload's ServiceAccount only.
No `list` or `watch`: both return every Secret's data whatever `resourceNames` says
(kubernetes.io/docs/concepts/security/rbac-good-practices). App developers get nothing, and no
ClusterRole is declared anywhere: no binding reaches the Secrets of every namespace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.conventions import MANAGED_BY, RBAC_API_GROUP

READER_VERBS = ["get"]
"""All a workload may do to its Secrets."""

FORBIDDEN_VERBS = frozenset({"list", "watch", "*"})
"""Verbs no Role of the platform may grant on Secrets."""


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
