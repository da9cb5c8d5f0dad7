"""AWS delivery of cloud-store secrets into pods, and the audit of who reads them.

Secrets Manager holds each `source: cloud` entry (rotated by the project's Lambda); per workload a
sync identity (IAM role pinned to one ServiceAccount) lets External Secrets copy exactly its secrets
into the versioned Kubernetes Secrets the Deployments mount; CloudTrail alarms fire on denied access
and on reads by anyone but those identities and the rotation Lambda. The body is the same on every
cloud (`components/kubernetes/external_secrets/delivery.py`); this class gives it its type string.
"""

from typing import ClassVar

from components.kubernetes.external_secrets.delivery import SecretDelivery


class AwsSecretDelivery(SecretDelivery):
    """Secrets Manager store, External Secrets sync per workload, and the CloudTrail secret-access audit."""

    TYPE: ClassVar[str] = "secrets-platform:aws_secret_delivery:AwsSecretDelivery"
