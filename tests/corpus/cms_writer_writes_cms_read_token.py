"""A CMS writer Job that mounts the BFF's read token (a CMS credential, not a mobile secret): it would
write it into the CMS, where the BFF hands items to mobile apps."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from tests.corpus._safe import SAFE_CONTEXT

EXPECTED = {"kubernetes-job-cms-writer-mobile-secrets"}


def program() -> None:
    k8s.core.v1.Secret(
        "read-token",
        metadata={
            "name": "cms-read-token-v1",
            "namespace": "cms",
            "labels": {"secrets-platform/cms-access": "read"},
            "annotations": {"secrets-platform/rotation-days": "90"},
        },
        type="Opaque",
        string_data=pulumi.Output.secret({"token": pulumi.Config().require_secret("token")}),
    )
    k8s.batch.v1.Job(
        "write-read-token",
        metadata={"name": "cms-writer-cms-read-token-v1", "namespace": "cms"},
        spec={
            "backoff_limit": 3,
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "cms-writer"}},
                "spec": {
                    "restart_policy": "Never",
                    "automount_service_account_token": False,
                    "containers": [
                        {
                            "name": "writer",
                            "image": "ghcr.io/example/bff@sha256:" + "0" * 64,
                            "security_context": SAFE_CONTEXT,
                            "args": ["write-secret"],
                            "volume_mounts": [
                                {
                                    "name": "secret",
                                    "mount_path": "/var/run/secrets/cms/secret",
                                    "read_only": True,
                                }
                            ],
                        }
                    ],
                    "volumes": [
                        {
                            "name": "secret",
                            "secret": {"secret_name": "cms-read-token-v1", "default_mode": 0o400},
                        }
                    ],
                },
            },
        },
    )
