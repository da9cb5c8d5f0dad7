"""The CMS writer Jobs: one per version of each mobile secret, writing it into the CMS collection.

Each Job runs `python -m bff write-secret` (bff/writer.py) in the CMS namespace with the versioned
Secret mounted read-only, the writer token's Secret and the CMS's CA. The writer is idempotent and
monotonic: it creates the item, or updates an older version in place with one PATCH (the BFF reads
the previous value until the new one is stored), and leaves an equal or newer version alone.

Rotation: bumping a mobile secret's `version` creates the Secret `<name>-v<N+1>` and renames this
Job to `cms-writer-<name>-v<N+1>`, so `pulumi up` replaces it create-before-delete: the new Job
upserts the new value (the update waits for it and fails if it fails), then the old Job and the old
Secret are deleted at the end of the update. The BFF serves the new value once its cache entry
expires (`bff.cacheTtlSeconds`).
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints` (see components/aws/foundation.py).
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.conventions import CMS_WRITER_APP
from components.kubernetes.secret import versioned_name
from components.mobile.cms_jobs import (
    CA_DIR,
    CA_SECRET_KEY,
    MAX_NAME,
    SECRET_FILE_MODE,
    SECRETS_DIR,
    CmsJobArgs,
    ca_volume,
    job_labels,
    job_spec,
)

WRITER_ARGS = ("write-secret",)
"""`python -m bff write-secret` (the image's entry point is `python -m bff`)."""
SECRET_DIR = f"{SECRETS_DIR}/secret"
"""The versioned Secret, one file per data key (`WRITER_SECRET_DIR`)."""
TOKEN_DIR = f"{SECRETS_DIR}/writer-token"
TOKEN_KEY = "token"
JOB_PREFIX = "cms-writer-"


@dataclass(frozen=True, kw_only=True)
class MobileSecretVersion:
    """One mobile secret at its current version."""

    name: str
    """Catalogue name (the CMS item's primary key)."""
    version: int
    """Its version: the writer stores it, and never lowers it."""
    secret_name: pulumi.Input[str]
    """The versioned Secret in the CMS namespace (`KubernetesSecret.secret_name`, so the Job waits for it)."""


@dataclass(frozen=True, kw_only=True)
class CmsWriterJobsArgs(CmsJobArgs):
    writer_token_secret: pulumi.Input[str]
    """Versioned Secret (CMS namespace) with the writer token, key `token` (`Cms.writer_token_secret`)."""
    secrets: Sequence[MobileSecretVersion]
    """Every mobile secret of the catalogue."""
    depends_on: Sequence[pulumi.Resource] = field(default_factory=list)
    """What must be done first: the provisioning Job (collection, writer role and token)."""


def job_name(secret: str, version: int) -> str:
    """`cms-writer-<secret>-v<version>`: from the name and version only."""
    return JOB_PREFIX + versioned_name(secret, version)


def check_writer_args(args: CmsWriterJobsArgs) -> list[str]:
    """Why these arguments cannot make the Jobs (empty when they can); pure, tested without mocks."""
    names = [s.name for s in args.secrets]
    problems = [f"mobile secret {n!r} is listed twice" for n in sorted(set(names)) if names.count(n) > 1]
    problems += [
        f"Job name {job_name(s.name, s.version)!r} is longer than {MAX_NAME} characters"
        for s in args.secrets
        if len(job_name(s.name, s.version)) > MAX_NAME
    ]
    return problems


def writer_env(
    secret: MobileSecretVersion, cms_url: pulumi.Input[str], collection: pulumi.Input[str]
) -> dict[str, pulumi.Input[str]]:
    """The variables bff/writer.py reads (its `--help` lists them): names, paths, never a value."""
    return {
        "WRITER_SECRET_NAME": secret.name,
        "WRITER_SECRET_VERSION": str(secret.version),
        "WRITER_SECRET_DIR": SECRET_DIR,
        "WRITER_TOKEN_FILE": f"{TOKEN_DIR}/{TOKEN_KEY}",
        "CMS_URL": cms_url,
        "CMS_CA_FILE": f"{CA_DIR}/{CA_SECRET_KEY}",
        "CMS_COLLECTION": collection,
    }


def writer_job_spec(
    args: CmsWriterJobsArgs, secret: MobileSecretVersion, service_account: pulumi.Input[str]
) -> dict[str, Any]:
    """The JobSpec of one secret's writer."""
    volumes = [
        # Every data key of the versioned Secret, one file each (the writer skips the kubelet's `..data`).
        {"name": "secret", "secret": {"secretName": secret.secret_name, "defaultMode": SECRET_FILE_MODE}},
        {
            "name": "writer-token",
            "secret": {
                "secretName": args.writer_token_secret,
                "items": [{"key": TOKEN_KEY, "path": TOKEN_KEY}],
                "defaultMode": SECRET_FILE_MODE,
            },
        },
        ca_volume(args.ca_secret),
    ]
    mounts = [
        {"name": "secret", "mountPath": SECRET_DIR, "readOnly": True},
        {"name": "writer-token", "mountPath": TOKEN_DIR, "readOnly": True},
        {"name": "cms-ca", "mountPath": CA_DIR, "readOnly": True},
    ]
    return job_spec(
        app=CMS_WRITER_APP,
        service_account=service_account,
        image=args.image,
        args=WRITER_ARGS,
        env=writer_env(secret, args.cms_url, args.collection),
        volumes=volumes,
        mounts=mounts,
        pod_labels={"secrets-platform/secret": secret.name},
    )


class CmsWriterJobs(pulumi.ComponentResource):
    """A ServiceAccount without a token and one writer Job per mobile secret (named by its version)."""

    job_names: Mapping[str, str]
    """Catalogue name -> name of the Job writing its current version."""

    def __init__(
        self, name: str, args: CmsWriterJobsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_writer_args(args)
        if problems:
            raise ValueError("CMS writer Jobs: " + "; ".join(problems))
        super().__init__("secrets-platform:cms_writer:CmsWriterJobs", name, None, opts)
        account = k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata={
                "name": CMS_WRITER_APP,
                "namespace": args.namespace,
                "labels": job_labels(CMS_WRITER_APP),
            },
            automount_service_account_token=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.job_names = {}
        for secret in args.secrets:
            self.job_names[secret.name] = job_name(secret.name, secret.version)
            k8s.batch.v1.Job(
                # Named by the catalogue name only: a version bump replaces this resource (a new Job).
                f"{name}-{secret.name}",
                metadata={
                    "name": self.job_names[secret.name],
                    "namespace": args.namespace,
                    "labels": job_labels(
                        CMS_WRITER_APP,
                        {
                            "secrets-platform/secret": secret.name,
                            "secrets-platform/version": str(secret.version),
                        },
                    ),
                },
                spec=writer_job_spec(args, secret, account.metadata.name),
                # False is Pulumi's default, pinned: the new version is written before the old Job goes.
                opts=pulumi.ResourceOptions(
                    parent=self, depends_on=list(args.depends_on), delete_before_replace=False
                ),
            )
        self.register_outputs({"job_names": dict(self.job_names)})
