"""What the CMS's Jobs share: the BFF image run as a one-shot, `restricted` pod in the CMS namespace.

The provisioning Job (`python -m bff provision-cms`) and the writer Jobs (`python -m bff write-secret`)
run the image of the BFF (bff/Dockerfile: `ENTRYPOINT ["/usr/bin/python3", "-m", "bff"]`), so a Job
gives only `args`. They call the CMS through its Service over TLS, pinning the CA from `ca.crt` of the
CMS's own certificate Secret (only that key is projected into the pod), and read every password and
token from files of read-only Secret volumes: `bff/` takes no secret from argv or the environment.

A Job's name is derived from versions only (never from a value). A version bump renames it, so Pulumi
replaces it create-before-delete: the new Job runs to completion (pulumi-kubernetes waits for the
`Complete` condition and fails the update on `Failed`: batch/v1 Job's await logic in the SDK's
docstring) before the old one is deleted. Any other change of an immutable pod template keeps the
name; pulumi-kubernetes then deletes the old Job first, since two objects cannot share a name
(pulumi/pulumi-kubernetes tests, "delete-before-replace when the name is specified"); the Job runs
again and, being idempotent, changes nothing. No `ttlSecondsAfterFinished`: a Job Kubernetes deleted
by itself would be created again by the next `pulumi up`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from components.kubernetes.conventions import (
    APP_LABEL,
    BFF_IMAGE_UID,
    MANAGED_BY,
    image_pull_policy,
    restricted_container,
)

CA_SECRET_KEY = "ca.crt"
CA_DIR = "/etc/cms-ca"
"""Where a Job finds the CMS's CA: `CMS_CA_FILE` is `<CA_DIR>/ca.crt`."""
SECRETS_DIR = "/var/run/secrets/cms"
"""Root of a Job's secret volumes (read-only, mode 0440, group `BFF_IMAGE_UID`)."""
SECRET_FILE_MODE = 0o440
"""Owner and group read; the pod's `fsGroup` is the image's group."""
BACKOFF_LIMIT = 4
"""Retries of a failed pod (a CMS still starting, a transient 5xx) before the Job fails the update."""
ACTIVE_DEADLINE_SECONDS = 540
"""Bound on the Job's whole run, under pulumi-kubernetes' 10-minute default wait for a Job."""
MAX_NAME = 63
"""A Job's name becomes the value of its pods' `batch.kubernetes.io/job-name` label: at most 63
characters (Kubernetes label value syntax)."""


@dataclass(frozen=True, kw_only=True)
class CmsJobArgs:
    """Where a CMS Job runs and how it reaches the CMS (the provisioner's and the writers' arguments)."""

    namespace: pulumi.Input[str]
    """The CMS Namespace's name output."""
    image: str
    """The BFF image (pinned), which carries the writer and the provisioner."""
    cms_url: pulumi.Input[str]
    """In-cluster HTTPS URL of the CMS (`Cms.url`)."""
    collection: pulumi.Input[str]
    """The mobile secrets' collection (`Cms.collection`)."""
    ca_secret: pulumi.Input[str]
    """Secret of the CMS namespace whose `ca.crt` verifies the CMS (`Cms.ca_secret`)."""


def job_labels(app: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Labels of a Job and its pods: the NetworkPolicies and the policy pack select on `app`."""
    return {**MANAGED_BY, APP_LABEL: app, **(extra or {})}


def ca_volume(ca_secret: pulumi.Input[str]) -> dict[str, Any]:
    """The CMS's CA: only `ca.crt` of the CMS's certificate Secret (never its `tls.key`)."""
    return {
        "name": "cms-ca",
        "secret": {
            "secretName": ca_secret,
            "items": [{"key": CA_SECRET_KEY, "path": CA_SECRET_KEY}],
            "defaultMode": SECRET_FILE_MODE,
        },
    }


def job_spec(
    *,
    app: str,
    service_account: pulumi.Input[str],
    image: str,
    args: Sequence[str],
    env: Mapping[str, pulumi.Input[str]],
    volumes: Sequence[dict[str, Any]],
    mounts: Sequence[dict[str, Any]],
    pod_labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A batch/v1 JobSpec of one `restricted` container of the BFF image (camelCase, as the API).

    Pod Security Standards `restricted` (kubernetes.io/docs/concepts/security/pod-security-standards),
    a read-only root with a small /tmp, no API token (CIS Kubernetes 5.1.6), no Service variables.
    """
    return {
        "backoffLimit": BACKOFF_LIMIT,
        "activeDeadlineSeconds": ACTIVE_DEADLINE_SECONDS,
        "template": {
            "metadata": {"labels": job_labels(app, pod_labels)},
            "spec": {
                "restartPolicy": "Never",
                "serviceAccountName": service_account,
                "automountServiceAccountToken": False,
                "enableServiceLinks": False,
                "securityContext": {
                    "runAsNonRoot": True,
                    "runAsUser": BFF_IMAGE_UID,
                    "runAsGroup": BFF_IMAGE_UID,
                    "fsGroup": BFF_IMAGE_UID,
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "containers": [
                    {
                        "name": app,
                        "image": image,
                        "imagePullPolicy": image_pull_policy(image),
                        "args": list(args),
                        "env": [{"name": name, "value": value} for name, value in env.items()],
                        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}, *mounts],
                        "securityContext": {
                            **restricted_container(),
                            "runAsUser": BFF_IMAGE_UID,
                            "runAsGroup": BFF_IMAGE_UID,
                        },
                        "resources": {
                            "requests": {"cpu": "50m", "memory": "64Mi"},
                            "limits": {"cpu": "250m", "memory": "128Mi"},
                        },
                    }
                ],
                "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "16Mi"}}, *volumes],
            },
        },
    }
