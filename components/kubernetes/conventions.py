"""Labels and pod settings every Kubernetes object of the platform shares, written once."""

from __future__ import annotations

from typing import Any

APP_LABEL = "app.kubernetes.io/name"
"""The label every pod of the platform carries with its workload name; policies select on it."""

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
"""Set by the API server on every namespace (Kubernetes 1.22+), so it cannot be forged by a tenant."""

MANAGED_BY = {"app.kubernetes.io/managed-by": "secrets-platform"}
"""On every object the platform declares (policies and `kubectl get -l` find them by it)."""

RBAC_API_GROUP = "rbac.authorization.k8s.io"

BFF_APP = "bff"
BFF_PORT = 8080
"""The BFF's HTTPS port (the service serves TLS itself; its settings' `PORT` default)."""
CMS_APP = "cms"
CMS_PORT = 8443
"""The CMS pods' HTTPS port (their TLS proxy)."""
CMS_WRITER_APP = "cms-writer"
"""`app.kubernetes.io/name` of the CMS writer Jobs' pods (in the CMS namespace)."""
CMS_PROVISIONER_APP = "cms-provisioner"
"""`app.kubernetes.io/name` of the CMS provisioning Jobs' pods (in the CMS namespace)."""
BFF_IMAGE_UID = 10001
"""UID and GID the BFF image runs as (bff/Dockerfile `USER 10001:10001`, the chart's securityContext):
also the CMS Jobs', which run the same image."""
INGRESS_NAMESPACE = "ingress-nginx"
INGRESS_APP = "ingress-nginx"
"""Namespace and `app.kubernetes.io/name` of the ingress controller's pods."""
HTTPS_PORT = 443

POD_SECURITY_LEVEL = "restricted"
"""Pod Security Standards level enforced, audited and warned about (kubernetes.io/docs/concepts/
security/pod-security-standards): non-root, no privilege escalation, capabilities dropped,
seccomp RuntimeDefault."""


def restricted_container() -> dict[str, Any]:
    """A container `securityContext` of the Pod Security Standards `restricted` profile, with a
    read-only root filesystem (kubernetes.io/docs/concepts/security/pod-security-standards).

    camelCase, the API's own spelling: pulumi-kubernetes passes these keys through unchanged, and
    Helm values take them as they are. A fresh dict each call, so no caller can change another's.
    """
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def image_pull_policy(image: str) -> str:
    """`IfNotPresent` for an image pinned by digest (its content cannot change), `Always` for a tag.

    With `Always` the kubelet resolves the tag to a digest at each container start and uses its cached
    layers when the digest is the one it has (Kubernetes docs, "Images", "Image pull policy"): a moved
    tag is noticed, and the registry's credentials are checked, at the cost of one manifest request.
    The default for a tag other than `latest` is `IfNotPresent`, which would keep running whatever a
    node cached first (checkov CKV_K8S_15).
    """
    return "IfNotPresent" if "@sha256:" in image else "Always"
