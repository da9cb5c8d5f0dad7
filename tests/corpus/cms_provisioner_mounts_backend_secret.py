"""A CMS provisioning Job that mounts a backend secret beside the CMS's credentials: it runs as the CMS
administrator and could copy it into the CMS."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from tests.corpus._safe import SAFE_CONTEXT

EXPECTED = {"kubernetes-job-cms-provisioner-secrets"}


def program() -> None:
    token = pulumi.Config().require_secret("token")
    for name, labels in (
        ("cms-admin-v1", {"secrets-platform/cms-access": "admin"}),
        ("payments-db-v1", {"secrets-platform/secret": "payments-db"}),
    ):
        k8s.core.v1.Secret(
            name,
            metadata={
                "name": name,
                "namespace": "cms",
                "labels": labels,
                "annotations": {"secrets-platform/rotation-days": "30"},
            },
            type="Opaque",
            string_data=pulumi.Output.secret({"password": token}),
        )
    k8s.batch.v1.Job(
        "provision",
        metadata={"name": "cms-provision-r1-w1-a1", "namespace": "cms"},
        spec={
            "backoff_limit": 3,
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "cms-provisioner"}},
                "spec": {
                    "restart_policy": "Never",
                    "automount_service_account_token": False,
                    "containers": [
                        {
                            "name": "provisioner",
                            "image": "ghcr.io/example/bff@sha256:" + "0" * 64,
                            "security_context": SAFE_CONTEXT,
                            "args": ["provision-cms"],
                            "volume_mounts": [
                                {"name": "secrets", "mount_path": "/var/run/secrets/cms", "read_only": True}
                            ],
                        }
                    ],
                    "volumes": [
                        {
                            "name": "secrets",
                            "projected": {
                                "default_mode": 0o400,
                                "sources": [
                                    {"secret": {"name": "cms-admin-v1"}},
                                    {"secret": {"name": "payments-db-v1"}},
                                ],
                            },
                        }
                    ],
                },
            },
        },
    )
