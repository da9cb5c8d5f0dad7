"""A CMS writer Job that writes a backend secret (a database password) into the CMS, where the BFF
would hand it to mobile apps."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

EXPECTED = {"kubernetes-job-cms-writer-mobile-secrets"}


def program() -> None:
    k8s.core.v1.Secret(
        "payments-db",
        metadata={
            "name": "payments-db-v1",
            "namespace": "cms",
            "labels": {"secrets-platform/secret": "payments-db"},
            "annotations": {"secrets-platform/rotation-days": "30"},
        },
        type="Opaque",
        string_data=pulumi.Output.secret({"password": pulumi.Config().require_secret("token")}),
    )
    k8s.batch.v1.Job(
        "write-payments-db",
        metadata={"name": "cms-write-payments-db-v1", "namespace": "cms"},
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
                            "args": ["write-secret", "--name", "payments-db", "--version", "1"],
                            "security_context": {
                                "run_as_non_root": True,
                                "run_as_user": 65532,
                                "allow_privilege_escalation": False,
                            },
                            "volume_mounts": [
                                {"name": "secret", "mount_path": "/var/run/secret", "read_only": True}
                            ],
                        }
                    ],
                    "volumes": [
                        {"name": "secret", "secret": {"secret_name": "payments-db-v1", "default_mode": 0o400}}
                    ],
                },
            },
        },
    )
