"""The CMS provisioning Job: the collection, the BFF's read role and the writer role, and their tokens.

Runs `python -m bff provision-cms` (bff/provision.py) in the CMS namespace once the CMS Deployment is
ready, as the first administrator. Named after the versions it applies (`cms-provision-r<read token>
-w<writer token>-a<admin password>`), so bumping any of them runs a new Job during `pulumi up`, before
the writer Jobs and the BFF's release, which wait for it:
- a new read token goes to the other of two CMS users, so the BFF's old pods keep reading with the
  previous token while the release rolls to the new one;
- a new writer token replaces the writer user's, before any writer Job uses it;
- a new administrator password is set by logging in with the previous one, mounted from the
  previous version's Secret while it still exists (Pulumi deletes replaced resources at the end of
  the update, pulumi/pulumi#9979), as Directus reads `ADMIN_PASSWORD` at its first start only.

A Pod cannot mount a Secret of another namespace, and the read token lives in the BFF's: this
component copies it into an immutable Secret of the CMS namespace, `cms-read-token-v<N>`, its value a
Pulumi secret, labelled `secrets-platform/cms-access: read` like the original.
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints` (see components/aws/foundation.py).
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.conventions import CMS_PROVISIONER_APP, MANAGED_BY
from components.kubernetes.secret import CMS_ACCESS_LABEL, ROTATION_ANNOTATION, versioned_name
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

PROVISION_ARGS = ("provision-cms",)
"""`python -m bff provision-cms` (the image's entry point is `python -m bff`)."""
READ_TOKEN_COPY = "cms-read-token"
"""Name (before `-v<N>`) of the read token's copy in the CMS namespace."""
COPY_OF_LABEL = "secrets-platform/copy-of"
"""On the copy: the catalogue secret it copies (never the value)."""
FILES = {
    "admin-password": "CMS_ADMIN_PASSWORD_FILE",
    "admin-previous-password": "CMS_ADMIN_PREVIOUS_PASSWORD_FILE",
    "read-token": "CMS_READ_TOKEN_FILE",
    "writer-token": "CMS_WRITER_TOKEN_FILE",
}
"""File in `SECRETS_DIR` -> the variable of bff/provision.py that names it."""


@dataclass(frozen=True, kw_only=True)
class VersionedSecret:
    """A catalogue Secret at its current version."""

    name: pulumi.Input[str]
    """Name of the Kubernetes Secret (the KubernetesSecret's output, so the Job waits for it)."""
    version: int
    """Its catalogue version."""


@dataclass(frozen=True, kw_only=True)
class CmsProvisionerArgs(CmsJobArgs):
    admin_email: str
    """The first administrator's e-mail (`cms.adminEmail`)."""
    admin_secret: str
    """Catalogue name of the administrator's password secret (key `password`, CMS namespace)."""
    admin_password: VersionedSecret
    """Its current Secret."""
    read_token: pulumi.Output[str]
    """The BFF's read token, a Pulumi secret (the value of `cms.readTokenSecret`, key `token`)."""
    read_token_version: int
    """Version of `cms.readTokenSecret`: the copy's and the CMS user slot's."""
    read_token_source: str
    """Catalogue name of the read token (for the copy's label)."""
    read_token_rotation_days: int
    """Its `rotationDays`, declared on the copy for the rotation policies."""
    writer_token: VersionedSecret
    """The writer token's Secret (CMS namespace, key `token`)."""
    depends_on: Sequence[pulumi.Resource] = field(default_factory=list)
    """What must be ready first: the CMS (its Deployment, Service and certificate)."""


def job_name(args: CmsProvisionerArgs) -> str:
    """`cms-provision-r<R>-w<W>-a<A>`: the versions it applies, nothing else."""
    return (
        f"cms-provision-r{args.read_token_version}-w{args.writer_token.version}"
        f"-a{args.admin_password.version}"
    )


def check_provisioner_args(args: CmsProvisionerArgs) -> list[str]:
    """Why these arguments cannot make the Job (empty when they can); pure, tested without mocks."""
    problems = []
    if len(job_name(args)) > MAX_NAME:
        problems.append(f"Job name {job_name(args)!r} is longer than {MAX_NAME} characters")
    if min(args.read_token_version, args.writer_token.version, args.admin_password.version) < 1:
        problems.append("versions start at 1")
    return problems


def provisioner_env(args: CmsProvisionerArgs) -> dict[str, pulumi.Input[str]]:
    """The variables bff/provision.py reads (its `--help` lists them): names, paths, never a value."""
    env: dict[str, pulumi.Input[str]] = {
        "CMS_URL": args.cms_url,
        "CMS_CA_FILE": f"{CA_DIR}/{CA_SECRET_KEY}",
        "CMS_COLLECTION": args.collection,
        "CMS_ADMIN_EMAIL": args.admin_email,
        "CMS_READ_TOKEN_VERSION": str(args.read_token_version),
    }
    env |= {variable: f"{SECRETS_DIR}/{path}" for path, variable in FILES.items()}
    if args.admin_password.version == 1:
        del env["CMS_ADMIN_PREVIOUS_PASSWORD_FILE"]
    return env


def provisioner_job_spec(
    args: CmsProvisionerArgs, read_token_copy: pulumi.Input[str], service_account: pulumi.Input[str]
) -> dict[str, Any]:
    """The JobSpec: one projected, read-only volume of exactly the keys it reads, and the CMS's CA."""

    def source(secret: pulumi.Input[str], key: str, path: str, optional: bool = False) -> dict[str, Any]:
        return {"secret": {"name": secret, "items": [{"key": key, "path": path}], "optional": optional}}

    sources = [
        source(args.admin_password.name, "password", "admin-password"),
        source(read_token_copy, "token", "read-token"),
        source(args.writer_token.name, "token", "writer-token"),
    ]
    if args.admin_password.version > 1:
        # The previous version's Secret, if it still exists (it does during the update that replaces
        # it); optional, so a missing one leaves no file and the provisioner logs in with the current.
        previous = versioned_name(args.admin_secret, args.admin_password.version - 1)
        sources.insert(1, source(previous, "password", "admin-previous-password", optional=True))
    volumes = [
        {"name": "secrets", "projected": {"defaultMode": SECRET_FILE_MODE, "sources": sources}},
        ca_volume(args.ca_secret),
    ]
    mounts = [
        {"name": "secrets", "mountPath": SECRETS_DIR, "readOnly": True},
        {"name": "cms-ca", "mountPath": CA_DIR, "readOnly": True},
    ]
    return job_spec(
        app=CMS_PROVISIONER_APP,
        service_account=service_account,
        image=args.image,
        args=PROVISION_ARGS,
        env=provisioner_env(args),
        volumes=volumes,
        mounts=mounts,
    )


class CmsProvisioner(pulumi.ComponentResource):
    """The read token's copy in the CMS namespace, a ServiceAccount without a token, and the Job."""

    job: k8s.batch.v1.Job
    """The provisioning Job: the writer Jobs and the BFF's release depend on it."""
    job_name: str
    """Its name (`cms-provision-r<R>-w<W>-a<A>`)."""
    read_token_secret: pulumi.Output[str]
    """Name of the read token's copy in the CMS namespace (`cms-read-token-v<N>`)."""

    def __init__(
        self, name: str, args: CmsProvisionerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_provisioner_args(args)
        if problems:
            raise ValueError("CMS provisioning Job: " + "; ".join(problems))
        super().__init__("secrets-platform:cms_provisioner:CmsProvisioner", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        copy = k8s.core.v1.Secret(
            f"{name}-read-token",
            metadata={
                "name": versioned_name(READ_TOKEN_COPY, args.read_token_version),
                "namespace": args.namespace,
                "labels": {
                    **MANAGED_BY,
                    COPY_OF_LABEL: args.read_token_source,
                    "secrets-platform/version": str(args.read_token_version),
                    CMS_ACCESS_LABEL: "read",
                },
                "annotations": {ROTATION_ANNOTATION: str(args.read_token_rotation_days)},
            },
            type="Opaque",
            immutable=True,
            string_data=pulumi.Output.secret(args.read_token.apply(lambda token: {"token": token})),
            # False is Pulumi's default, pinned: the new copy exists before the new Job mounts it.
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=False),
        )
        account = k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata={
                "name": CMS_PROVISIONER_APP,
                "namespace": args.namespace,
                "labels": job_labels(CMS_PROVISIONER_APP),
            },
            automount_service_account_token=False,
            opts=child,
        )
        self.job_name = job_name(args)
        self.job = k8s.batch.v1.Job(
            f"{name}-job",
            metadata={
                "name": self.job_name,
                "namespace": args.namespace,
                "labels": job_labels(CMS_PROVISIONER_APP),
            },
            spec=provisioner_job_spec(args, copy.metadata.name, account.metadata.name),
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=list(args.depends_on), delete_before_replace=False
            ),
        )
        self.read_token_secret = copy.metadata.name
        self.register_outputs({"job_name": self.job_name, "read_token_secret": self.read_token_secret})
