"""A Vault identity that syncs one workload's Vault secrets, usable only from one ServiceAccount.

External Secrets requests a short-lived token for the dedicated ServiceAccount `<workload>-vault-sync`
(audience `vault.jwtAudience`) and logs in to the JWT auth method with it. The auth role accepts only
that account of that namespace: `bound_subject` is its exact `sub`, `bound_claims` its namespace and
name (`string`, exact match, never `glob`), `bound_audiences` the one audience. The token it issues
lives `vault.tokenTtlSeconds` at most and carries one policy granting `read` on exactly the granted
paths (the KV v2 `data/` form of each secret, or a database role's `creds/` path), nothing else.
Vault's `default` policy stays attached: it grants only the token's own lookup, renewal and
revocation (which External Secrets calls when it closes a client), and no secret path.
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints`, which cannot evaluate string annotations once the module has been dropped
# from `sys.modules` (as the offline runner does between stacks); see components/aws/foundation.py.
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
import pulumi_vault as vault

from components.kubernetes.conventions import MANAGED_BY
from components.kubernetes.sync_identity import service_account_subject
from components.vault.paths import auth_role_name, policy_name, read_policy, sync_service_account_name
from config.models import Workload

USER_CLAIM = "sub"
"""The claim naming the login (the entity alias): `system:serviceaccount:<namespace>:<name>`."""

NAMESPACE_CLAIM = "/kubernetes.io/namespace"
SERVICE_ACCOUNT_CLAIM = "/kubernetes.io/serviceaccount/name"
"""Private claims of a ServiceAccount token (Kubernetes docs, "Service account token" claims), as
JSON pointers, the form `bound_claims` takes for nested claims (Vault JWT auth, "Bound claims")."""

TOKEN_TYPE = "service"
"""Service tokens can be looked up and revoked one by one (batch tokens cannot)."""

COMPONENT_LABELS = {**MANAGED_BY, "app.kubernetes.io/component": "vault-sync"}


@dataclass(frozen=True, kw_only=True)
class VaultSyncIdentityArgs:
    workload: Workload
    """The workload whose Vault secrets are synced; the ServiceAccount goes in its namespace."""
    read_paths: Sequence[str]
    """Exact Vault API paths the identity may read (`kv_data_path`, `database_creds_path`)."""
    cluster_name: str
    """The stack's cluster: names the policy and the role."""
    auth_mount: pulumi.Input[str]
    """Path of the JWT auth method (`VaultFoundation.auth_mount`)."""
    audience: str
    """The one audience the role accepts (`vault.jwtAudience`)."""
    token_ttl_seconds: int
    """Lifetime of the Vault token a login gets, also its maximum (`vault.tokenTtlSeconds`)."""
    namespace: pulumi.Input[str] | None = None
    """The Namespace's name output (its value must be the workload's namespace), so the ServiceAccount
    waits for it; the workload's namespace name when not given."""


def check_identity_args(args: VaultSyncIdentityArgs) -> list[str]:
    """Why these arguments cannot make the identity (empty when they can); pure, tested without mocks."""
    where = f"Vault sync identity of {args.workload.name!r}"
    problems = []
    if not args.read_paths:
        problems.append(
            f"{where}: no path is granted; declare no identity for a workload without Vault secrets"
        )
    try:
        read_policy(list(args.read_paths) or ["placeholder"])
    except ValueError as error:
        problems.append(f"{where}: {error}")
    if not 60 <= args.token_ttl_seconds <= 86_400:
        problems.append(f"{where}: token TTL {args.token_ttl_seconds} s is not 60 to 86400")
    if not args.audience or "," in args.audience:
        problems.append(f"{where}: audience {args.audience!r} must be one audience")
    return problems


def role_bindings(namespace: str, service_account: str) -> dict[str, str]:
    """The `bound_claims` of a role: exactly one namespace and one ServiceAccount (exact strings)."""
    return {NAMESPACE_CLAIM: namespace, SERVICE_ACCOUNT_CLAIM: service_account}


class VaultSyncIdentity(pulumi.ComponentResource):
    """A ServiceAccount only External Secrets uses, the JWT auth role it logs in as, and the policy
    that reads exactly one workload's Vault secrets."""

    service_account_name: pulumi.Output[str]
    """Name of the sync ServiceAccount (`<workload>-vault-sync`); waits for the role and policy."""
    namespace: pulumi.Output[str]
    """Namespace of the sync ServiceAccount (the workload's)."""
    principal: pulumi.Output[str]
    """The auth role's name, as Vault's audit log names the login (`auth.metadata.role`)."""
    policy_name: pulumi.Output[str]
    """The Vault policy of the role, for audit reports."""

    def __init__(
        self, name: str, args: VaultSyncIdentityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_identity_args(args)
        if problems:
            raise ValueError("; ".join(problems))
        super().__init__("secrets-platform:vault_workload_identity:VaultSyncIdentity", name, None, opts)
        workload = args.workload
        namespace = workload.namespace_name
        service_account = sync_service_account_name(workload.name)
        policy = vault.Policy(
            f"{name}-policy",
            name=policy_name(args.cluster_name, workload.name),
            policy=read_policy(args.read_paths),
            opts=pulumi.ResourceOptions(parent=self),
        )
        role = vault.jwt.AuthBackendRole(
            f"{name}-role",
            backend=args.auth_mount,
            role_name=auth_role_name(args.cluster_name, service_account),
            role_type="jwt",
            user_claim=USER_CLAIM,
            bound_audiences=[args.audience],
            bound_subject=service_account_subject(namespace, service_account),
            bound_claims=role_bindings(namespace, service_account),
            bound_claims_type="string",
            token_policies=[policy.name],
            token_ttl=args.token_ttl_seconds,
            token_max_ttl=args.token_ttl_seconds,
            token_type=TOKEN_TYPE,
            opts=pulumi.ResourceOptions(parent=self),
        )
        account = k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata={
                "name": service_account,
                "namespace": args.namespace if args.namespace is not None else namespace,
                "labels": {**COMPONENT_LABELS, "secrets-platform/workload": workload.name},
            },
            # No pod runs as this account: ESO requests its tokens through the TokenRequest API.
            automount_service_account_token=False,
            # A SecretStore naming this account is created only once the role can log it in.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role]),
        )
        self.service_account_name = account.metadata.name
        self.namespace = account.metadata.namespace
        self.principal = role.role_name
        self.policy_name = policy.name
        self.register_outputs(
            {
                "service_account_name": self.service_account_name,
                "namespace": self.namespace,
                "principal": self.principal,
                "policy_name": self.policy_name,
            }
        )
