"""A workload's Deployment, consuming exactly the Secrets granted to it.

How a rotation reaches the pods: a rotation is a version bump, which creates a new immutable Secret
`<name>-v<N+1>` (see `components/kubernetes/secret.py`). The pod template names the versioned
Secret, so the template changes and the Deployment rolls, whichever way the Secret is consumed:

- `mount: env` (opt-in): environment variables are read once, when a container starts, so rolling
  the pods is the only way they see a new value. The versioned name in `secretKeyRef` is what
  rolls them.
- `mount: volume` (default): files in a projected volume. For our versioned Secrets the pods roll
  too, because the volume source's name changes. The kubelet's in-place refresh of mounted files
  (within its sync period plus cache TTL, about a minute; never for `subPath` mounts) applies only
  when a Secret's content changes under the same name: that is the case of a Secret the cloud
  store's sync updates in place, never of our immutable Secrets, which the kubelet does not even
  watch (kubernetes.io/docs/concepts/configuration/secret/#secret-immutable).

The rolling update surges before it removes (`maxUnavailable: 0`), and Pulumi waits for the
rollout before it deletes the replaced Secret, so no pod ever names a Secret that is gone. No pod
annotation carries a checksum of a value: the version in the name is the only trigger.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.conventions import APP_LABEL, MANAGED_BY, image_pull_policy, restricted_container
from components.kubernetes.external_secrets.sync import reloader_annotations
from components.kubernetes.secret import versioned_name
from config.models import AnySecret, Workload

SECRETS_MOUNT_PATH = "/var/run/secrets/platform"
"""Where secret files appear: `<path>/<catalogue name>/<key>`, stable across rotations."""

SECRET_FILE_MODE = 0o400
"""Owner read only. With `fsGroup` the kubelet adds group read (0440) so the non-root user reads
the files through its group (pkg/volume/volume_linux.go SetVolumeOwnership)."""

RUN_AS_USER = 65532
"""The conventional unprivileged UID/GID of distroless `nonroot` images; never 0."""

TMP_SIZE_LIMIT = "64Mi"
"""A writable, size-limited /tmp, since the root filesystem is read-only."""


@dataclass(frozen=True, kw_only=True)
class SecretGrant:
    """A catalogue Secret a workload may consume."""

    entry: AnySecret
    """The catalogue entry: its keys and how readers consume it (`mount`)."""
    secret_name: pulumi.Input[str]
    """Versioned Secret name: the KubernetesSecret's output (the Deployment then waits for the
    Secret), or for cloud-synced secrets `versioned_name()` itself."""
    namespace: str
    """Namespace the Secret lives in; it must be the workload's (pods cannot read across)."""


@dataclass(frozen=True, kw_only=True)
class WorkloadDeploymentArgs:
    workload: Workload
    """The workload's config."""
    service_account_name: pulumi.Input[str]
    """Its ServiceAccount (from `IsolatedNamespace`)."""
    secrets: Sequence[SecretGrant] = ()
    """Secrets the workload reads."""
    cpu_request: str = "100m"
    """CPU reserved per pod."""
    memory_request: str = "128Mi"
    """Memory reserved per pod."""
    cpu_limit: str = "500m"
    """CPU ceiling per pod."""
    memory_limit: str = "256Mi"
    """Memory ceiling per pod (the OOM killer enforces it)."""


def env_name(secret: str, key: str) -> str:
    """Environment variable for a key: `payments-provider` + `api-key` -> `PAYMENTS_PROVIDER_API_KEY`."""
    name = re.sub(r"[^A-Za-z0-9]", "_", f"{secret}_{key}").upper()
    return f"_{name}" if name[0].isdigit() else name


def check_workload_args(args: WorkloadDeploymentArgs) -> list[str]:
    """Why these arguments cannot make a Deployment (empty when they can); pure, tested without mocks."""
    workload = args.workload
    problems = []
    seen: set[str] = set()
    envs: dict[str, str] = {}
    for grant in args.secrets:
        entry = grant.entry
        if entry.name in seen:
            problems.append(f"secret {entry.name!r} is granted to {workload.name!r} twice")
        seen.add(entry.name)
        if grant.namespace != workload.namespace_name:
            problems.append(
                f"secret {entry.name!r} lives in namespace {grant.namespace!r}, but {workload.name!r} runs "
                f"in {workload.namespace_name!r}: pods cannot read Secrets of another namespace"
            )
        if entry.mount == "env":
            for key in entry.keys:
                var = env_name(entry.name, key)
                if var in envs and envs[var] != f"{entry.name}/{key}":
                    problems.append(
                        f"{envs[var]} and {entry.name}/{key} would both be the variable {var} "
                        f"in {workload.name!r}: rename a key or mount one as a volume"
                    )
                envs[var] = f"{entry.name}/{key}"
    return problems


def _security_context() -> dict[str, object]:
    return {**restricted_container(), "runAsUser": RUN_AS_USER, "runAsGroup": RUN_AS_USER}


def _env(grants: Sequence[SecretGrant]) -> list[dict[str, object]]:
    # Only `valueFrom.secretKeyRef`: a literal `value` would put the secret in the Deployment.
    return [
        {
            "name": env_name(g.entry.name, key),
            "value_from": {"secret_key_ref": {"name": g.secret_name, "key": key, "optional": False}},
        }
        for g in grants
        if g.entry.mount == "env"
        for key in g.entry.keys
    ]


def _secret_volume(grants: Sequence[SecretGrant]) -> dict[str, object] | None:
    sources = [
        {
            "secret": {
                "name": g.secret_name,
                "items": [{"key": key, "path": f"{g.entry.name}/{key}"} for key in g.entry.keys],
                "optional": False,
            }
        }
        for g in grants
        if g.entry.mount == "volume"
    ]
    if not sources:
        return None
    return {"name": "secrets", "projected": {"default_mode": SECRET_FILE_MODE, "sources": sources}}


class WorkloadDeployment(pulumi.ComponentResource):
    """A Deployment that runs `restricted`, under its own ServiceAccount, reading its granted Secrets
    from a read-only projected volume (default) or `secretKeyRef` variables (`mount: env`)."""

    deployment_name: pulumi.Output[str]
    """Name of the Deployment."""

    def __init__(
        self, name: str, args: WorkloadDeploymentArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = check_workload_args(args)
        if problems:
            raise ValueError("; ".join(problems))
        super().__init__("secrets-platform:workload:WorkloadDeployment", name, None, opts)
        workload = args.workload
        labels = {APP_LABEL: workload.name}
        volume = _secret_volume(args.secrets)
        volumes: list[dict[str, object]] = [{"name": "tmp", "empty_dir": {"size_limit": TMP_SIZE_LIMIT}}]
        mounts: list[dict[str, object]] = [{"name": "tmp", "mount_path": "/tmp"}]
        if volume is not None:
            volumes.append(volume)
            mounts.append({"name": "secrets", "mount_path": SECRETS_MOUNT_PATH, "read_only": True})
        probe = {"tcp_socket": {"port": "http"}}
        container = {
            "name": workload.name,
            "image": workload.image,
            "image_pull_policy": image_pull_policy(workload.image),
            "ports": [{"name": "http", "container_port": workload.port, "protocol": "TCP"}],
            "volume_mounts": mounts,
            "security_context": _security_context(),
            "resources": {
                "requests": {"cpu": args.cpu_request, "memory": args.memory_request},
                "limits": {"cpu": args.cpu_limit, "memory": args.memory_limit},
            },
            # TCP probes: the config names no health endpoint, and a listening port is what peers need.
            "readiness_probe": {**probe, "initial_delay_seconds": 5, "period_seconds": 10},
            "liveness_probe": {
                **probe,
                "initial_delay_seconds": 15,
                "period_seconds": 20,
                "failure_threshold": 3,
            },
        }
        env = _env(args.secrets)
        if env:
            container["env"] = env
        synced = [
            versioned_name(g.entry.name, g.entry.version) for g in args.secrets if g.entry.source == "cloud"
        ]
        deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata={
                "name": workload.name,
                "namespace": workload.namespace_name,
                "labels": {**MANAGED_BY, **labels},
                # On the Deployment, not the pod template: Reloader rolls the pods when a Secret kept
                # in sync from the cloud store changes in place (env consumers need the restart).
                "annotations": reloader_annotations(synced) if synced else {},
            },
            spec={
                "replicas": workload.replicas,
                "selector": {"match_labels": labels},
                # Surge first: the new pods (new Secret) are ready before an old one stops.
                "strategy": {
                    "type": "RollingUpdate",
                    "rolling_update": {"max_surge": 1, "max_unavailable": 0},
                },
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "service_account_name": args.service_account_name,
                        "automount_service_account_token": workload.needs_kubernetes_api,
                        # No `<SERVICE>_PORT` variables: the environment holds only what we grant.
                        "enable_service_links": False,
                        "security_context": {
                            "run_as_non_root": True,
                            "run_as_user": RUN_AS_USER,
                            "run_as_group": RUN_AS_USER,
                            "fs_group": RUN_AS_USER,
                            "seccomp_profile": {"type": "RuntimeDefault"},
                        },
                        "containers": [container],
                        "volumes": volumes,
                    },
                },
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.deployment_name = deployment.metadata.name
        self.register_outputs({"deployment_name": self.deployment_name})
