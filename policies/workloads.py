"""Workloads: pods must not expose what they mount.

Every pod-bearing kind is judged (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob,
ReplicationController, PodTemplate, their `...Patch` types, and the same objects declared in a
ConfigGroup). A Secret volume is readable by its owner (and group) only. A pod never reaches the node
(hostPath, host network, PID or IPC namespaces) nor runs privileged or with dangerous capabilities:
from the node, every Secret mounted by every pod of that node is a file away. Beside Secrets, a
container runs as a non-root user that cannot gain privileges, and containers that share a pod do not
share its processes, through which each could read the others' Secrets. A pod mounts a Kubernetes API token
only when the stack declares what its ServiceAccount may do with it.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies._kubernetes import (
    containers,
    declared_objects,
    pod_spec,
    pod_spec_path,
    uses_secrets,
    with_manifests,
)
from policies._support import (
    as_list,
    as_number,
    dig,
    is_unknown,
    message,
    plain,
    schema,
    settings,
    string_list,
    unknown_at,
)

KUBERNETES_DEFAULT_MODE = 0o644
"""Mode of Secret volume files when defaultMode is unset (Kubernetes API reference, SecretVolumeSource)."""
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
BINDINGS = (
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
)


def _spec(args: ResourceValidationArgs) -> dict[str, Any] | None:
    if pod_spec_path(args.resource_type) is None:
        return None  # not a pod-bearing type: its properties are not copied
    return pod_spec(args.resource_type, plain(args.props))


# --- Secret volume modes -------------------------------------------------------------------------


def _modes(volume: dict[str, Any]) -> list[tuple[str, Any]]:
    """(where, mode) of every file mode a volume gives Secret data, defaults included."""
    found: list[tuple[str, Any]] = []
    secret = volume.get("secret")
    if isinstance(secret, dict):
        found.append(("secret.defaultMode", secret.get("defaultMode", KUBERNETES_DEFAULT_MODE)))
        found += [
            (f"secret.items[{j}].mode", item["mode"])
            for j, item in enumerate(as_list(secret.get("items")))
            if isinstance(item, dict) and "mode" in item
        ]
    projected = volume.get("projected")
    if isinstance(projected, dict):
        sources = [
            (k, s) for k, s in enumerate(as_list(projected.get("sources"))) if dig(s, "secret") is not None
        ]
        if sources:
            found.append(("projected.defaultMode", projected.get("defaultMode", KUBERNETES_DEFAULT_MODE)))
        for k, source in sources:
            found += [
                (f"projected.sources[{k}].secret.items[{j}].mode", item["mode"])
                for j, item in enumerate(as_list(dig(source, "secret", "items")))
                if isinstance(item, dict) and "mode" in item
            ]
    return found


def _secret_volume_mode(args: ResourceValidationArgs, report: ReportViolation) -> None:
    spec = _spec(args)
    if spec is None or is_unknown(spec.get("volumes")):
        return
    allowed = int(settings(args, KUBERNETES_POD_SECRET_VOLUME_MODE.config_schema)["allowedModeBits"])
    for i, volume in enumerate(as_list(spec.get("volumes"))):
        if not isinstance(volume, dict):
            continue
        for where, raw in _modes(volume):
            mode = as_number(raw)
            if mode is None or is_unknown(raw):
                continue
            if int(mode) & ~allowed:
                report(
                    message(
                        f"volumes[{i}].{where} is {int(mode):#o}, which lets other users (or a group writer) of "
                        f"the container read the Secret (allowed bits {allowed:#o})",
                        f"Set default_mode to {0o400:#o} (or {0o440:#o} when a second user shares the pod's "
                        "fsGroup)",
                    ),
                    None,
                )


# Source: Kubernetes docs, "Secrets: Secret files permissions" (defaultMode 0644 unless set); CIS
# Kubernetes Benchmark 5.4.1 (secrets as files); checkov CKV_K8S_35 (prefer files).
KUBERNETES_POD_SECRET_VOLUME_MODE = ResourceValidationPolicy(
    name="kubernetes-pod-secret-volume-mode",
    description="Secret volumes must set file modes readable by owner and group only.",
    validate=with_manifests(_secret_volume_mode),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    config_schema=schema(
        allowedModeBits={
            "type": "integer",
            "minimum": 0,
            "maximum": 0o777,
            "default": 0o640,
            "description": "Mode bits a Secret file may have (416 = 0640: owner read/write, group read).",
        }
    ),
    remediation_steps="Set secret.default_mode (or projected.default_mode) to 0o400 or 0o440.",
)


# --- the node ------------------------------------------------------------------------------------


def _host_access(args: ResourceValidationArgs, report: ReportViolation) -> None:
    spec = _spec(args)
    if spec is None:
        return
    fix = "Remove it; a pod that needs node access does not belong in a cluster that holds Secrets"
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field) is True:
            report(
                message(f"{field} puts the pod in the node's namespace, beside every pod on the node", fix),
                None,
            )
    for i, volume in enumerate(as_list(spec.get("volumes"))):
        if isinstance(volume, dict) and volume.get("hostPath") is not None:
            report(
                message(
                    f"volumes[{i}] mounts a hostPath, which reaches the Secret volumes the kubelet keeps for "
                    "every pod of the node",
                    fix,
                ),
                None,
            )


# Source: CIS Kubernetes Benchmark 5.2.2-5.2.4 (host PID, IPC, network) and Pod Security Standards
# "baseline" (HostPath volumes, host namespaces); checkov CKV_K8S_17, CKV_K8S_18, CKV_K8S_19, CKV_K8S_27.
KUBERNETES_POD_HOST_ACCESS = ResourceValidationPolicy(
    name="kubernetes-pod-host-access",
    description="Pods must not use hostPath volumes or the node's network, PID or IPC namespaces.",
    validate=with_manifests(_host_access),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(),
    remediation_steps="Remove hostPath volumes and host_network, host_pid and host_ipc.",
)


# --- the pod's own containers ----------------------------------------------------------------------


def _shared_process_namespace(args: ResourceValidationArgs, report: ReportViolation) -> None:
    spec = _spec(args)
    if spec is None or spec.get("shareProcessNamespace") is not True or not uses_secrets(spec):
        return
    report(
        message(
            "shareProcessNamespace lets every container of the pod read the others' files and environment "
            "through /proc, the Secrets they mount or take as variables included",
            "Set shareProcessNamespace to false; debug with an ephemeral container (kubectl debug) instead",
        ),
        None,
    )


# Source: Kubernetes docs, "Share Process Namespace between Containers in a Pod" ("container filesystems
# are visible to other containers in the pod through the /proc/$pid/root link ... filesystem secrets
# are protected only by filesystem permissions").
KUBERNETES_POD_SHARED_PROCESS_NAMESPACE = ResourceValidationPolicy(
    name="kubernetes-pod-shared-process-namespace",
    description="Pods that mount or read Secrets must not share one process namespace between their containers.",
    validate=with_manifests(_shared_process_namespace),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Remove share_process_namespace (false is the default).",
)


def _capability(value: Any) -> str:
    return str(value).upper().removeprefix("CAP_")


def _privileged(args: ResourceValidationArgs, report: ReportViolation) -> None:
    spec = _spec(args)
    if spec is None:
        return
    cfg = settings(args, KUBERNETES_CONTAINER_PRIVILEGED.config_schema)
    forbidden = {_capability(c) for c in cfg["forbiddenCapabilities"]}
    fix = "Drop privileged, dangerous capabilities, unmasked /proc and host processes from the container"
    if dig(spec, "securityContext", "windowsOptions", "hostProcess") is True:
        report(
            message("securityContext.windowsOptions.hostProcess runs the pod as a node process", fix), None
        )
    for where, container in containers(spec):
        context = container.get("securityContext")
        if not isinstance(context, dict):
            continue
        if context.get("privileged") is True:
            report(
                message(f"{where} is privileged: it sees the node's devices and every pod's volumes", fix),
                None,
            )
        added = {_capability(c) for c in as_list(dig(context, "capabilities", "add")) if not is_unknown(c)}
        dangerous = sorted(added & forbidden)
        if dangerous:
            report(
                message(
                    f"{where} adds capabilities ({', '.join(dangerous)}) that escape the container or read "
                    "other processes' memory and files",
                    fix,
                ),
                None,
            )
        if context.get("procMount") == "Unmasked":
            report(message(f"{where} mounts /proc unmasked", fix), None)
        if dig(context, "windowsOptions", "hostProcess") is True:
            report(message(f"{where} runs as a node process (hostProcess)", fix), None)


# Source: CIS Kubernetes Benchmark 5.2.1 (privileged), 5.2.8-5.2.9 (capabilities); Pod Security
# Standards "baseline" (privileged, capabilities, /proc mount type, HostProcess); checkov CKV_K8S_16,
# CKV_K8S_39.
KUBERNETES_CONTAINER_PRIVILEGED = ResourceValidationPolicy(
    name="kubernetes-container-privileged",
    description="Containers must not be privileged, add dangerous capabilities, unmask /proc or run as "
    "host processes.",
    validate=with_manifests(_privileged),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(
        forbiddenCapabilities=string_list(
            [
                "ALL",
                "SYS_ADMIN",
                "SYS_PTRACE",
                "SYS_MODULE",
                "SYS_RAWIO",
                "DAC_READ_SEARCH",
                "DAC_OVERRIDE",
                "NET_ADMIN",
                "BPF",
                "PERFMON",
            ],
            "Linux capabilities no container may add (with or without the CAP_ prefix).",
        )
    ),
    remediation_steps="Set privileged=False and drop the capabilities; use a dedicated node tool outside "
    "the cluster's secret namespaces.",
)


def _run_as_root(args: ResourceValidationArgs, report: ReportViolation) -> None:
    spec = _spec(args)
    if spec is None or unknown_at(spec, "securityContext") or not uses_secrets(spec):
        return
    pod = spec.get("securityContext") if isinstance(spec.get("securityContext"), dict) else {}
    fix = (
        "Set security_context run_as_non_root=True, a non-zero run_as_user and run_as_group, and "
        "allow_privilege_escalation=False on the container"
    )
    for where, container in containers(spec):
        context = container.get("securityContext")
        if is_unknown(context):
            continue
        context = context if isinstance(context, dict) else {}

        def effective(key: str, context: dict[str, Any] = context) -> Any:
            return context[key] if context.get(key) is not None else pod.get(key)

        user, group, non_root = effective("runAsUser"), effective("runAsGroup"), effective("runAsNonRoot")
        if as_number(user) == 0 or as_number(group) == 0:
            report(message(f"{where} runs as root (user or group 0) in a pod that mounts Secrets", fix), None)
        elif non_root is not True and user is None:
            report(
                message(
                    f"{where} may run as root (neither run_as_non_root nor run_as_user is set) in a pod that "
                    "mounts Secrets",
                    fix,
                ),
                None,
            )
        if context.get("allowPrivilegeEscalation") is not False:
            report(
                message(
                    f"{where} may gain privileges (allow_privilege_escalation is not false) in a pod that "
                    "mounts Secrets",
                    fix,
                ),
                None,
            )


# Source: CIS Kubernetes Benchmark 5.2.5 (allowPrivilegeEscalation), 5.2.6 (root containers); Pod
# Security Standards "restricted"; checkov CKV_K8S_20, CKV_K8S_23.
KUBERNETES_CONTAINER_RUN_AS_ROOT = ResourceValidationPolicy(
    name="kubernetes-container-run-as-root",
    description="Containers of pods that use Secrets must run as a non-root user that cannot gain privileges.",
    validate=with_manifests(_run_as_root),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Set run_as_non_root=True, non-zero run_as_user/run_as_group and "
    "allow_privilege_escalation=False.",
)


# --- API tokens ----------------------------------------------------------------------------------


def _api_token_volume(spec: dict[str, Any], audiences: list[str]) -> bool:
    """Whether a projected serviceAccountToken source requests a token for the API server."""
    for volume in as_list(spec.get("volumes")):
        for source in as_list(dig(volume, "projected", "sources")):
            token = dig(source, "serviceAccountToken")
            if isinstance(token, dict) and (not token.get("audience") or token.get("audience") in audiences):
                return True
    return False


def _stack_service_account_token(args: StackValidationArgs, report: ReportViolation) -> None:
    cfg = settings(args, KUBERNETES_POD_SERVICE_ACCOUNT_TOKEN.config_schema)
    objects = declared_objects(args.resources)
    accounts = {
        (o.namespace(), o.name()): o.props for o in objects if o.resource_type == SERVICE_ACCOUNT and o.name()
    }
    bound = {
        (str(dig(s, "namespace") or o.namespace()), str(dig(s, "name")))
        for o in objects
        if o.resource_type in BINDINGS
        for s in as_list(o.props.get("subjects"))
        if dig(s, "kind") == "ServiceAccount"
    }
    for obj in objects:
        spec = pod_spec(obj.resource_type, obj.props)
        if spec is None or obj.namespace() is None:
            continue
        if any(
            is_unknown(spec.get(k)) for k in ("automountServiceAccountToken", "serviceAccountName", "volumes")
        ):
            continue
        account = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
        automount = spec.get("automountServiceAccountToken")
        if automount is None and obj.resource_type.endswith("Patch"):
            automount = False  # a server-side-apply patch leaves unset fields as they are on the live object
        if automount is None:
            automount = dig(accounts.get((obj.namespace(), account)), "automountServiceAccountToken")
        mounts_token = automount is not False or _api_token_volume(spec, cfg["apiAudiences"])
        if mounts_token and (obj.namespace(), account) not in bound:
            report(
                obj.located(
                    message(
                        "The pod mounts a Kubernetes API token, though no binding of the stack gives its "
                        "ServiceAccount any API access: a token for whoever breaks into the pod",
                        "Set automount_service_account_token=False on the pod spec (or its ServiceAccount), or "
                        "bind the ServiceAccount to the Role it needs",
                    )
                ),
                obj.resource.urn,
            )


# Source: CIS Kubernetes Benchmark 5.1.6 ("Ensure that Service Account Tokens are only mounted where
# necessary"); checkov CKV_K8S_38; Kubernetes docs, "Configure Service Accounts for Pods: Opt out of API
# credential automounting".
KUBERNETES_POD_SERVICE_ACCOUNT_TOKEN = StackValidationPolicy(
    name="kubernetes-pod-service-account-token",
    description="Pods must mount a Kubernetes API token only when the stack binds their ServiceAccount to "
    "a role.",
    validate=_stack_service_account_token,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    config_schema=schema(
        apiAudiences=string_list(
            ["https://kubernetes.default.svc", "https://kubernetes.default.svc.cluster.local"],
            "Audiences of projected tokens that count as Kubernetes API tokens (an unset audience is the "
            "API server's).",
        )
    ),
    remediation_steps="Set automount_service_account_token=False where the pod does not call the API.",
)


# --- Secrets as environment variables ------------------------------------------------------------


def _secret_env(args: ResourceValidationArgs, report: ReportViolation) -> None:
    spec = _spec(args)
    if spec is None:
        return
    fix = (
        "Mount the Secret as a read-only volume and read it from the file (catalogue `mount: volume`, the "
        "default)"
    )
    for where, container in containers(spec):
        for i, env in enumerate(as_list(container.get("env"))):
            if isinstance(dig(env, "valueFrom", "secretKeyRef"), dict):
                report(message(f"{where}.env[{i}] takes its value from a Secret (secretKeyRef)", fix), None)
        for i, source in enumerate(as_list(container.get("envFrom"))):
            if isinstance(dig(source, "secretRef"), dict):
                report(
                    message(f"{where}.envFrom[{i}] loads every key of a Secret into the environment", fix),
                    None,
                )


# Source: CIS Kubernetes Benchmark 5.4.1 ("Prefer using secrets as files over secrets as environment
# variables": applications may log their environment, and child processes inherit it); checkov
# CKV_K8S_35. A stack may still choose env for a reader that cannot read files (`mount: env`): dev's
# policy config advises, prod's forbids.
KUBERNETES_CONTAINER_SECRET_ENV = ResourceValidationPolicy(
    name="kubernetes-container-secret-env",
    description="Containers must read Secrets as files, not as environment variables.",
    validate=with_manifests(_secret_env),
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    config_schema=schema(),
    remediation_steps="Mount the Secret as a read-only volume (defaultMode 0400) instead of env or envFrom.",
)


POLICIES = [
    KUBERNETES_POD_SECRET_VOLUME_MODE,
    KUBERNETES_POD_HOST_ACCESS,
    KUBERNETES_POD_SHARED_PROCESS_NAMESPACE,
    KUBERNETES_CONTAINER_PRIVILEGED,
    KUBERNETES_CONTAINER_RUN_AS_ROOT,
    KUBERNETES_POD_SERVICE_ACCOUNT_TOKEN,
    KUBERNETES_CONTAINER_SECRET_ENV,
]
