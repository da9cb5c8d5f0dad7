"""The operations team's access to the Secrets of one namespace: create, update and rotate them.

The team (`operators.group`) gets a Role per namespace that holds Secrets, to create, update, patch,
delete and get them and to roll Deployments; never `list` or `watch`, which would read every Secret of
the namespace at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.conventions import MANAGED_BY, RBAC_API_GROUP

OPERATOR_SECRET_VERBS = ["create", "delete", "get", "patch", "update"]
"""What operators do to Secrets: create a rotated one, delete the replaced one, inspect, fix.
Without `list`/`watch`, which would read every Secret of the namespace at once."""

OPERATOR_DEPLOYMENT_VERBS = ["get", "patch"]
"""To roll a Deployment (`kubectl rollout restart` reads the Deployment, then patches its template
annotation); a Deployment holds no secret value, since pods only reference Secrets by name."""


@dataclass(frozen=True, kw_only=True)
class SecretOperatorArgs:
    namespace: pulumi.Input[str]
    """Namespace whose Secrets the group manages (the Namespace's output)."""
    group: str
    """Kubernetes group of the operations team (`operators.group`)."""
    secret_names: list[str]
    """Versioned names of the catalogue Secrets of this namespace, the only ones operators may touch."""


def check_operator_args(args: SecretOperatorArgs) -> list[str]:
    """Why these arguments cannot make an operator Role (empty when they can)."""
    if not args.group or args.group in ("system:authenticated", "system:unauthenticated", "system:masters"):
        return [f"group {args.group!r} is not a team: name the operations team's own group"]
    return []


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
