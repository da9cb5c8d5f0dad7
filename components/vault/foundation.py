"""What the platform mounts on the Vault: the provider, the KV v2 engine with its version limits, and
the JWT auth method that trusts the cluster's ServiceAccount token issuer.

**Why JWT auth against the cluster's OIDC issuer, not Kubernetes auth.** Kubernetes auth makes Vault
call the cluster's TokenReview API: Vault must reach the API server (private on these stacks unless
`publicAccessCidrs` lets it in) and hold a long-lived reviewer token, or every workload's token must
be allowed to review tokens (`system:auth-delegator`, a ClusterRoleBinding per workload). JWT auth
checks the token's signature against the keys the issuer publishes (EKS and AKS both serve a public
OIDC discovery document, the same one IAM and Entra ID trust for IRSA and workload identity): Vault
needs no route into the cluster and holds no Kubernetes credential. The cost, a deleted
ServiceAccount's token staying valid until it expires, is bounded by External Secrets requesting
short-lived tokens (10 minutes, ESO's default) with an audience only Vault accepts.

The deployer authenticates the Vault provider with `VAULT_TOKEN` (or the Vault CLI's token helper) in
the environment; the program never reads a token from config, so none reaches the state. The provider
then works with a child token of short lifetime (`skip_child_token` left off).
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints`, which cannot evaluate string annotations once the module has been dropped
# from `sys.modules` (as the offline runner does between stacks); see components/aws/foundation.py.
from dataclasses import dataclass
from datetime import timedelta

import pulumi
import pulumi_vault as vault

from components.vault.paths import issuer_url
from config.models import VaultConfig

KV_TYPE = "kv"
"""Mount type of the KV secrets engine; `options.version = "2"` makes it KV v2 (Vault API,
`sys/mounts`: "kv" with `options: {version: 2}`)."""

JWT_SUPPORTED_ALGS = ["RS256", "ES256"]
"""Signing algorithms of ServiceAccount tokens: RS256 (EKS, AKS and kube-apiserver's default; the
Kubernetes docs, "ServiceAccount token volume projection") and ES256 (an EC signing key)."""

PROVIDER_CHILD_TOKEN_TTL_SECONDS = 1200
"""Lifetime of the child token the provider works with (its `max_lease_ttl_seconds`, 20 minutes:
the provider's default, kept explicit)."""


def version_retention(rotation_days: int, grace_days: int) -> timedelta:
    """How long a KV version lives: one rotation period, then the grace during which consumers
    still reading the previous value move to the new one (`delete_version_after`)."""
    return timedelta(days=rotation_days + grace_days)


@dataclass(frozen=True, kw_only=True)
class VaultFoundationArgs:
    vault: VaultConfig
    """The stack's `vault:` block: address, mounts, version limits."""
    cluster_name: str
    """The stack's cluster name, for descriptions."""
    oidc_issuer: pulumi.Input[str]
    """The cluster's ServiceAccount token issuer (`Foundation.oidc_issuer`: bare host on EKS, URL on AKS)."""
    longest_rotation_days: int
    """Longest `rotationDays` of the stack's Vault secrets: the mount-wide `delete_version_after`
    must not delete a value before its own rotation (each secret also sets its own, shorter one)."""


def check_foundation_args(args: VaultFoundationArgs) -> list[str]:
    """Why these arguments cannot make the foundation (empty when they can); pure, tested without mocks."""
    problems = []
    if not 1 <= args.longest_rotation_days <= 365:
        problems.append(f"longest rotation period {args.longest_rotation_days} is not 1 to 365 days")
    if args.vault.kv_mount == args.vault.database_mount and args.vault.databases:
        problems.append("the KV and database engines need different mounts")
    return problems


class VaultFoundation(pulumi.ComponentResource):
    """The Vault provider, the KV v2 mount with version limits, and the cluster's JWT auth method."""

    provider: vault.Provider
    """The explicit Vault provider every Vault resource of the stack uses."""
    kv_mount: pulumi.Output[str]
    """Path of the KV v2 mount (waits for the mount and its version limits)."""
    auth_mount: pulumi.Output[str]
    """Path of the JWT auth method (waits for the method)."""
    address: str
    """The Vault's address, for External Secrets."""
    audience: str
    """The audience of the ServiceAccount tokens the auth method accepts."""
    oidc_issuer: pulumi.Output[str]
    """The issuer's URL as tokens carry it in `iss`."""

    def __init__(
        self, name: str, args: VaultFoundationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_foundation_args(args)
        if problems:
            raise ValueError("; ".join(problems))
        super().__init__("secrets-platform:vault_foundation:VaultFoundation", name, None, opts)
        cfg = args.vault
        provider = vault.Provider(
            f"{name}-provider",
            address=cfg.address,
            # No `token`: the provider reads VAULT_TOKEN (or the token helper) from the deployer's
            # environment, so no token is ever in config or state.
            skip_tls_verify=False,
            max_lease_ttl_seconds=PROVIDER_CHILD_TOKEN_TTL_SECONDS,
            opts=pulumi.ResourceOptions(parent=self),
        )
        on_vault = pulumi.ResourceOptions(parent=self, provider=provider)
        # Protected: deleting the mount destroys every secret and every version in it.
        mount = vault.Mount(
            f"{name}-kv",
            path=cfg.kv_mount,
            type=KV_TYPE,
            options={"version": "2"},
            description=f"Secrets of cluster {args.cluster_name} (secrets-platform)",
            opts=pulumi.ResourceOptions.merge(on_vault, pulumi.ResourceOptions(protect=True)),
        )
        retention = version_retention(args.longest_rotation_days, cfg.version_grace_days)
        kv_config = vault.kv.SecretBackendV2(
            f"{name}-kv-config",
            mount=mount.path,
            max_versions=cfg.max_versions,
            delete_version_after=int(retention.total_seconds()),
            cas_required=False,
            opts=pulumi.ResourceOptions(parent=mount, provider=provider),
        )
        issuer = pulumi.Output.from_input(args.oidc_issuer).apply(issuer_url)
        auth = vault.jwt.AuthBackend(
            f"{name}-jwt",
            path=cfg.auth_mount,
            type="jwt",
            description=f"ServiceAccount tokens of cluster {args.cluster_name} (secrets-platform)",
            # The issuer's own discovery document gives the signing keys; `bound_issuer` pins `iss`.
            oidc_discovery_url=issuer,
            bound_issuer=issuer,
            jwt_supported_algs=JWT_SUPPORTED_ALGS,
            opts=on_vault,
        )
        self.provider = provider
        self.kv_mount = pulumi.Output.all(mount.path, kv_config.id).apply(lambda values: values[0])
        self.auth_mount = auth.path
        self.address = cfg.address
        self.audience = cfg.jwt_audience
        self.oidc_issuer = issuer
        self.register_outputs(
            {"kv_mount": self.kv_mount, "auth_mount": self.auth_mount, "oidc_issuer": self.oidc_issuer}
        )
