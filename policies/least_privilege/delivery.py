"""Secret delivery paths: External Secrets stores and the mobile CMS.

External Secrets: stores are namespaced, so a namespace can only read through credentials it owns, and
the operator runs without its cluster-wide and push kinds.
Mobile delivery: the CMS writer Jobs write only secrets declared for mobile apps, and the CMS token
that may write lives only in the CMS namespace, never where the BFF runs.
"""

from __future__ import annotations

import re
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

from policies._kubernetes import HELM_RELEASES, chart_name, with_manifests
from policies._support import (
    as_list,
    dig,
    is_unknown,
    message,
    plain,
    schema,
    settings,
    string_list,
    unknown_at,
    walk,
)

_CLUSTER_SECRET_STORE = re.compile(r"^kubernetes:external-secrets\.io/[^:]+:ClusterSecretStore$")
_EXTERNAL_SECRETS_KIND = re.compile(r"^kubernetes:external-secrets\.io/[^:]+:[A-Za-z]+$")


# --- External Secrets ---------------------------------------------------------------------------


def _store_references(props: dict[str, Any]) -> list[str]:
    """Paths of the store references (`secretStoreRef`, `sourceRef.storeRef`...) that name a
    ClusterSecretStore."""
    return [
        path.rsplit(".", 1)[0]
        for path, key, value in walk(props.get("spec"), "spec")
        if key == "kind" and value == "ClusterSecretStore" and "storeref" in path.lower()
    ]


def _clustersecretstore(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if _CLUSTER_SECRET_STORE.match(args.resource_type):
        report(
            message(
                "The ClusterSecretStore may be named by an ExternalSecret in any namespace, which then "
                "reads every secret the store's credentials reach",
                "Declare a namespaced SecretStore in the namespace of the ExternalSecrets that use it, "
                "with the credentials of that namespace's workload",
            ),
            None,
        )
        return
    if not _EXTERNAL_SECRETS_KIND.match(args.resource_type):
        return
    for path in _store_references(plain(args.props)):
        report(
            message(
                f"{path} names a ClusterSecretStore, a store shared by every namespace",
                f"Point {path} at a SecretStore (kind: SecretStore) in the object's own namespace",
            ),
            None,
        )


# Source: External Secrets docs, "Security Best Practices", 1. Namespace Isolation (a ClusterSecretStore
# reaches across all namespaces; "If cluster-wide resources are not required, it is recommended to
# disable them"); the platform installs ESO without the ClusterSecretStore CRD.
KUBERNETES_CLUSTERSECRETSTORE_FORBIDDEN = ResourceValidationPolicy(
    name="kubernetes-clustersecretstore-forbidden",
    description="External Secrets stores must be namespaced SecretStores, never ClusterSecretStores.",
    validate=with_manifests(_clustersecretstore),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Replace the ClusterSecretStore with a SecretStore per namespace and reference it with "
    "kind: SecretStore.",
)


_UNINSTALLED_KIND = re.compile(
    r"^kubernetes:external-secrets\.io/[^:]+:(ClusterExternalSecret|ClusterPushSecret|PushSecret)$"
    r"|^kubernetes:generators\.external-secrets\.io/[^:]+:ClusterGenerator$"
)
OPERATOR_SWITCHES = (
    ("crds", "createClusterSecretStore"),
    ("crds", "createClusterExternalSecret"),
    ("crds", "createClusterGenerator"),
    ("crds", "createPushSecret"),
    ("crds", "createClusterPushSecret"),
    ("processClusterStore",),
    ("processClusterExternalSecret",),
    ("processClusterGenerator",),
    ("processPushSecret",),
    ("processClusterPushSecret",),
    ("rbac", "serviceAccountTokenCreate"),
)
"""Values of the external-secrets chart that must be false: each defaults to true (chart 2.9.0
values.yaml), and each opens a path across namespaces or out of the cluster."""


def _off(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def _operator_scope(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if _UNINSTALLED_KIND.match(args.resource_type):
        kind = args.resource_type.rsplit(":", 1)[-1]
        report(
            message(
                f"A {kind} reaches beyond its namespace's own secrets: a cluster-scoped kind acts in every "
                "namespace it selects, a PushSecret copies a cluster Secret out to a store",
                "Declare a namespaced ExternalSecret (or SecretStore) per namespace instead; the platform "
                "installs External Secrets without these kinds",
            ),
            None,
        )
        return
    if args.resource_type not in HELM_RELEASES:
        return
    props = plain(args.props)
    if chart_name(props.get("chart")) != "external-secrets":
        return
    values = props.get("values")
    if is_unknown(values):
        return
    values = values if isinstance(values, dict) else {}
    left_on = [
        ".".join(path)
        for path in OPERATOR_SWITCHES
        if not unknown_at(values, *path) and not _off(dig(values, *path))
    ]
    if left_on:
        report(
            message(
                f"The External Secrets release leaves {len(left_on)} cluster-wide or push feature(s) on "
                f"({', '.join(left_on)}): each defaults to true in the chart",
                "Set each of them to false in the release's values",
            ),
            None,
        )


# Source: External Secrets docs, "Security Best Practices" 1. Namespace Isolation ("If cluster-wide
# resources are not required, it is recommended to disable them") and "Deploying without
# ClusterSecretStore and ClusterExternalSecret and ClusterPushSecret" (the crds.* and process* values);
# chart values.yaml `rbac.serviceAccountTokenCreate` (the controller may mint a token for any
# ServiceAccount, and so assume any workload identity).
KUBERNETES_EXTERNALSECRETS_OPERATOR_SCOPE = ResourceValidationPolicy(
    name="kubernetes-externalsecrets-operator-scope",
    description="External Secrets must run without its cluster-wide and push kinds, and without minting "
    "tokens for any ServiceAccount.",
    validate=with_manifests(_operator_scope),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Set crds.create*, process* and rbac.serviceAccountTokenCreate to false in the "
    "external-secrets release, and declare no ClusterExternalSecret, ClusterPushSecret, ClusterGenerator or "
    "PushSecret.",
)


# --- mobile delivery -------------------------------------------------------------------------

SECRET = "kubernetes:core/v1:Secret"
JOB = "kubernetes:batch/v1:Job"
DELIVERY_LABEL = "secrets-platform/delivery"
CMS_ACCESS_LABEL = "secrets-platform/cms-access"


def _labels(props: dict[str, Any]) -> dict[str, Any]:
    labels = dig(props, "metadata", "labels")
    return labels if isinstance(labels, dict) else {}


def _cms_write_token(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != SECRET:
        return
    cfg = settings(args, KUBERNETES_SECRET_CMS_WRITE_TOKEN.config_schema)
    props = plain(args.props)
    namespace = dig(props, "metadata", "namespace")
    if is_unknown(namespace) or unknown_at(props, "metadata", "labels"):
        return
    if _labels(props).get(CMS_ACCESS_LABEL) == "write" and namespace not in cfg["cmsNamespaces"]:
        report(
            message(
                "A CMS token that may write lives outside the CMS namespace, where any pod (the BFF's "
                "included) may mount it",
                f"Keep the writer token in the CMS namespace ({', '.join(cfg['cmsNamespaces'])}) and give "
                "the BFF only the read-only token",
            ),
            None,
        )


# Source: OWASP API Security Top 10 API5 (broken function level authorization); the BFF only reads.
KUBERNETES_SECRET_CMS_WRITE_TOKEN = ResourceValidationPolicy(
    name="kubernetes-secret-cms-write-token",
    description="A CMS token with write access must live only in the CMS namespace, never with the BFF.",
    validate=with_manifests(_cms_write_token),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(
        cmsNamespaces=string_list(["cms"], "Namespaces where the CMS and its writer Jobs run."),
    ),
    remediation_steps="Move the writer token's Secret to the CMS namespace; the BFF gets the read token.",
)


def _mounted_secrets(spec: dict[str, Any]) -> list[str]:
    names = []
    for volume in as_list(spec.get("volumes")):
        if not isinstance(volume, dict):
            continue
        name = dig(volume, "secret", "secretName")
        if isinstance(name, str):
            names.append(name)
        for source in as_list(dig(volume, "projected", "sources")):
            name = dig(source, "secret", "name")
            if isinstance(name, str):
                names.append(name)
    return names


def _job_mounts(
    args: StackValidationArgs, selector: dict[str, Any]
) -> list[tuple[str, dict[str, Any] | None]]:
    """(Job URN, the mounted Secret's labels, or None when the stack does not declare it) for every
    Secret mounted by the pods of Jobs whose pod labels match `selector`."""
    secrets: dict[tuple[str, str], dict[str, Any]] = {}
    for resource in args.resources:
        if resource.resource_type == SECRET:
            props = plain(resource.props)
            key = (str(dig(props, "metadata", "namespace")), str(dig(props, "metadata", "name")))
            secrets[key] = _labels(props)
    mounts = []
    for resource in args.resources:
        if resource.resource_type != JOB:
            continue
        props = plain(resource.props)
        template = dig(props, "spec", "template")
        pod_labels = dig(template, "metadata", "labels")
        if not isinstance(pod_labels, dict) or any(pod_labels.get(k) != v for k, v in selector.items()):
            continue
        namespace = str(dig(props, "metadata", "namespace"))
        spec = dig(template, "spec")
        for name in _mounted_secrets(spec if isinstance(spec, dict) else {}):
            mounts.append((resource.urn, secrets.get((namespace, name))))
    return mounts


def _writer_mobile_secrets(args: StackValidationArgs, report: ReportViolation) -> None:
    cfg = settings(args, KUBERNETES_JOB_CMS_WRITER_MOBILE_SECRETS.config_schema)
    for urn, labels in _job_mounts(args, cfg["selector"]):
        if labels is None or labels.get(CMS_ACCESS_LABEL) == "write":
            continue  # not declared by this stack, or the writer's own token
        if labels.get(DELIVERY_LABEL) != "mobile":
            # A CMS credential other than the writer's own (the read token, the administrator's
            # password) is not declared for mobile delivery either: the writer would hand it to apps.
            report(
                message(
                    "The CMS writer Job writes a Secret (volumes of the pod template) into the CMS, "
                    "where the BFF hands it to mobile apps, but it is not declared for mobile delivery",
                    "Grant apps only secrets declared with mobile: true, and write only those",
                ),
                urn,
            )


# Source: OWASP MASVS-STORAGE / MASTG: a secret shipped to a device is public; backend credentials
# (a database password) must never reach one.
KUBERNETES_JOB_CMS_WRITER_MOBILE_SECRETS = StackValidationPolicy(
    name="kubernetes-job-cms-writer-mobile-secrets",
    description="CMS writer Jobs must write only Secrets declared for mobile delivery.",
    validate=_writer_mobile_secrets,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(
        selector={
            "type": "object",
            "default": {"app.kubernetes.io/name": "cms-writer"},
            "description": "Pod labels of the CMS writer Jobs.",
        }
    ),
    remediation_steps="Write into the CMS only Secrets labelled secrets-platform/delivery: mobile.",
)


def _provisioner_secrets(args: StackValidationArgs, report: ReportViolation) -> None:
    cfg = settings(args, KUBERNETES_JOB_CMS_PROVISIONER_SECRETS.config_schema)
    for urn, labels in _job_mounts(args, cfg["selector"]):
        if labels is not None and not labels.get(CMS_ACCESS_LABEL):
            report(
                message(
                    f"The CMS provisioning Job mounts a Secret (volumes of the pod template) that is not a "
                    f"CMS credential (no {CMS_ACCESS_LABEL} label): it runs as the CMS's administrator and "
                    "needs only the administrator's password and the two tokens it gives the CMS's users",
                    "Mount only the CMS's administrator password and its read and writer tokens",
                ),
                urn,
            )


# Source: OWASP API Security Top 10 API5 and the principle of least privilege: the Job that holds the
# CMS administrator's password must not also hold other secrets it could copy into the CMS.
KUBERNETES_JOB_CMS_PROVISIONER_SECRETS = StackValidationPolicy(
    name="kubernetes-job-cms-provisioner-secrets",
    description="CMS provisioning Jobs must mount only the CMS's credentials (its tokens and administrator password).",
    validate=_provisioner_secrets,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        selector={
            "type": "object",
            "default": {"app.kubernetes.io/name": "cms-provisioner"},
            "description": "Pod labels of the CMS provisioning Jobs.",
        }
    ),
    remediation_steps="Mount only Secrets labelled secrets-platform/cms-access into the provisioning Job.",
)


POLICIES = [
    KUBERNETES_CLUSTERSECRETSTORE_FORBIDDEN,
    KUBERNETES_EXTERNALSECRETS_OPERATOR_SCOPE,
    KUBERNETES_SECRET_CMS_WRITE_TOKEN,
    KUBERNETES_JOB_CMS_WRITER_MOBILE_SECRETS,
    KUBERNETES_JOB_CMS_PROVISIONER_SECRETS,
]
