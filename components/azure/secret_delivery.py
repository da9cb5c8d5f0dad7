"""Azure delivery of Key Vault secrets into pods, and the audit of who reads them.

Key Vault holds each `source: cloud` entry (rotated by the project's function); per workload a sync
identity (a user-assigned identity federated with one ServiceAccount) lets External Secrets copy exactly
its secrets into the versioned Kubernetes Secrets the Deployments mount; Log Analytics alerts fire on
denied access, on reads by anyone but those identities and the rotation function, and on denied reads
of Kubernetes Secrets. The body is the same on every cloud
(`components/kubernetes/external_secrets/delivery.py`); this class gives it its type string. A stack
without cloud secrets still gets the store (empty) and the audit (AKS audit logs, vault AuditEvent).
"""

from typing import ClassVar

from components.kubernetes.external_secrets.delivery import SecretDelivery


class AzureSecretDelivery(SecretDelivery):
    """Key Vault store, External Secrets sync per workload, and the Log Analytics secret-access audit."""

    TYPE: ClassVar[str] = "secrets-platform:azure_secret_delivery:AzureSecretDelivery"
