"""Vault delivery of `store: hashicorp-vault` secrets into pods, and the audit of who reads them.

The KV v2 mount holds each entry (`<cluster>/<name>`, versions bounded); per workload a sync identity
(a JWT auth role pinned to one ServiceAccount, with a policy reading exactly its paths) lets External
Secrets copy exactly its secrets into the versioned Kubernetes Secrets the Deployments consume; a Vault
audit device records every access with values HMAC'd. The body is the one every store shares
(`components/kubernetes/external_secrets/delivery.py`), with the cloud store's operator when it has one;
this class gives it its type string.
"""

from typing import ClassVar

from components.kubernetes.external_secrets.delivery import SecretDelivery


class VaultSecretDelivery(SecretDelivery):
    """Vault KV store, External Secrets sync per workload, and the Vault audit device."""

    TYPE: ClassVar[str] = "secrets-platform:vault_secret_delivery:VaultSecretDelivery"
