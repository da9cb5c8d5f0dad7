"""The whole platform: a cloud foundation, and the secrets layer on its cluster."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from components.cloud import DatabaseRequest, cloud_backend
from components.kubernetes.cert_manager import ACME_ISSUER, INTERNAL_CA_ISSUER, CertManager, CertManagerArgs
from components.kubernetes.conventions import BFF_APP, BFF_PORT
from components.kubernetes.external_secrets.delivery import SecretDeliveryArgs
from components.kubernetes.external_secrets.sync import sync_plan
from components.kubernetes.helm_release import (
    BffWiring,
    HelmChartRelease,
    HelmChartReleaseArgs,
    bff_sets,
    overrides_rotation_days,
    overrides_version,
)
from components.kubernetes.ingress_controller import Backend, IngressController, IngressControllerArgs
from components.kubernetes.namespace import IsolatedNamespace, namespace_args
from components.kubernetes.secret import (
    CMS_ACCESS_LABEL,
    KubernetesSecret,
    KubernetesSecretArgs,
    versioned_name,
)
from components.kubernetes.secret_operator import SecretOperator, SecretOperatorArgs
from components.kubernetes.secret_reader import SecretReader, SecretReaderArgs
from components.kubernetes.workload import SecretGrant, WorkloadDeployment, WorkloadDeploymentArgs
from components.mobile.bff_certificates import (
    EDGE_CLIENT_SECRET,
    SERVING_SECRET,
    BffCertificates,
    BffCertificatesArgs,
)
from components.mobile.bff_ingress import BffIngress, BffIngressArgs
from components.mobile.cms import Cms, CmsArgs, CmsDatabase
from components.mobile.cms_jobs import CmsJobArgs
from components.mobile.cms_provisioner import CmsProvisioner, CmsProvisionerArgs, VersionedSecret
from components.mobile.cms_writer import CmsWriterJobs, CmsWriterJobsArgs, MobileSecretVersion
from components.vault.backend import VaultBackend, vault_entries
from config.models import CloudSecret, StackConfig


@dataclass(frozen=True, kw_only=True)
class PlatformArgs:
    stack: StackConfig
    """The validated stack config."""
    literals: Mapping[str, pulumi.Output[str]]
    """Secret config key -> value, as Pulumi secrets."""
    project_dir: Path
    """Directory `file` sources are read from."""


class Platform(pulumi.ComponentResource):
    """Everything a stack declares, parented under one component so the plan reads as a tree."""

    cluster_name: pulumi.Output[str]
    """Name of the cluster."""
    secret_names: pulumi.Output[dict[str, str]]
    """Catalogue name -> name of the current (versioned) Kubernetes Secret."""
    app_secrets: pulumi.Output[dict[str, list[str]]]
    """Mobile app -> catalogue secrets it may fetch through the BFF (names only, not secret)."""
    app_platforms: pulumi.Output[dict[str, str]]
    """Mobile app -> its store platform (`ios`, `android`), shown in access reports."""

    def __init__(self, name: str, args: PlatformArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("secrets-platform:platform:Platform", name, None, opts)
        stack = args.stack
        backend = cloud_backend(stack, args.project_dir)
        cloud = backend.foundation(f"{name}-{stack.cloud}", pulumi.ResourceOptions(parent=self))
        k8s_opts = pulumi.ResourceOptions(parent=self, providers={"kubernetes": cloud.kubernetes_provider})
        namespaces = {
            ns.namespace: IsolatedNamespace(f"{name}-ns-{ns.namespace}", ns, k8s_opts)
            for ns in namespace_args(stack)
        }
        # Objects take their namespace from the Namespace's output, so each waits for its namespace.
        secrets = {
            entry.name: KubernetesSecret(
                f"{name}-{entry.name}",
                KubernetesSecretArgs(
                    entry=entry,
                    namespace=namespaces[stack.secret_namespace(entry)].namespace_name,
                    literals=args.literals,
                    project_dir=args.project_dir,
                    labels=cms_token_labels(stack, entry.name),
                ),
                k8s_opts,
            )
            for entry in stack.secrets
            # `cloud` secrets are synced into the cluster by the cloud store, under the same name.
            if entry.source != "cloud"
        }
        database = None
        if stack.cms.enabled:
            cms = stack.cms
            password = secrets.get(cms.database_secret) if cms.database_secret else None
            database = backend.database(
                f"{name}-cms-database",
                cloud,
                DatabaseRequest(
                    namespace=namespaces[cms.namespace].namespace_name,
                    password=password.values["password"] if password else None,
                    password_secret_name=password.secret_name if password else None,
                ),
                k8s_opts,
            )
        cloud_plan = sync_plan(stack)
        vault_plan = sync_plan(stack, store="hashicorp-vault") if stack.vault is not None else {}
        # Reloader watches the namespaces of every store's synced Secrets, whichever delivery declares
        # the one operator of the cluster, and the CMS's: its Deployment rolls when cert-manager renews
        # its certificate (nginx reads it at start only) and when RDS rotates its password.
        watched = {stack.workload(w).namespace_name for w in [*cloud_plan, *vault_plan]}
        if database is not None:
            watched.add(stack.cms.namespace)
        reload_namespaces = [namespaces[ns].namespace_name for ns in sorted(watched)]
        delivery = backend.secret_delivery(
            f"{name}-store",
            SecretDeliveryArgs(
                backend=backend,
                foundation=cloud,
                entries=[e for e in stack.secrets if isinstance(e, CloudSecret) and e.store == "default"],
                sync_plan=cloud_plan,
                workloads={w.name: w for w in stack.workloads},
                namespaces={n: ns.namespace_name for n, ns in namespaces.items()},
                kubernetes_version=stack.cluster.kubernetes_version,
                reload_namespaces=reload_namespaces,
                extra_readers=list(database.readers) if database is not None else [],
                # The CMS's certificate renewals need Reloader, which comes with the operator.
                always_operator=database is not None,
            ),
            k8s_opts,
        )
        if database is not None:
            database.deliver(delivery.operator if delivery is not None else None)
        cert_manager = CertManager(
            f"{name}-cert-manager",
            CertManagerArgs(kubernetes_version=stack.cluster.kubernetes_version, acme=stack.edge.acme),
            k8s_opts,
        )
        IngressController(
            f"{name}-ingress-nginx",
            IngressControllerArgs(
                kubernetes_version=stack.cluster.kubernetes_version,
                replicas=stack.edge.controller_replicas,
                backends=[
                    Backend(
                        namespace=stack.bff.namespace,
                        pod_labels={"app.kubernetes.io/name": BFF_APP},
                        port=BFF_PORT,
                    )
                ],
            ),
            k8s_opts,
        )
        # An AWS WAFv2 web ACL where the stack asks for one (config refuses `edge.waf` elsewhere).
        backend.web_acl(f"{name}-bff-waf", pulumi.ResourceOptions(parent=self))
        self.cms: Cms | None = None
        provisioner: CmsProvisioner | None = None
        if database is not None:
            self.cms = _cms(
                name, stack, args.project_dir, namespaces, secrets, database, cert_manager, k8s_opts
            )
            provisioner = _cms_jobs(name, stack, namespaces, secrets, self.cms, k8s_opts)
        backend.mobile_alerts(
            f"{name}-mobile-alerts",
            cloud,
            delivery.audit if delivery is not None else None,
            pulumi.ResourceOptions(parent=self),
        )
        synced = dict(delivery.synced_secret_names) if delivery is not None else {}
        if stack.vault is not None:
            synced |= _vault_delivery(
                name, stack, args.literals, cloud, delivery, vault_plan, namespaces, reload_namespaces, self
            )
        _workloads(name, stack, namespaces, secrets, synced, k8s_opts)
        _helm_releases(
            name, stack, args.project_dir, namespaces, secrets, cert_manager, self.cms, provisioner, k8s_opts
        )
        for namespace in sorted({stack.secret_namespace(entry) for entry in stack.secrets}):
            SecretOperator(
                f"{name}-operators-{namespace}",
                SecretOperatorArgs(
                    namespace=namespaces[namespace].namespace_name,
                    group=stack.operators.group,
                    secret_names=sorted(
                        versioned_name(e.name, e.version)
                        for e in stack.secrets
                        if stack.secret_namespace(e) == namespace
                    ),
                ),
                k8s_opts,
            )

        self.cluster_name = cloud.cluster_name
        self.secret_names = pulumi.Output.from_input(
            {**{n: s.secret_name for n, s in secrets.items()}, **synced}
        )
        self.app_secrets = pulumi.Output.from_input({app.name: list(app.secrets) for app in stack.apps})
        self.app_platforms = pulumi.Output.from_input({app.name: app.platform for app in stack.apps})
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "secret_names": self.secret_names,
                "app_secrets": self.app_secrets,
                "app_platforms": self.app_platforms,
            }
        )


def _vault_delivery(
    name: str,
    stack: StackConfig,
    literals: Mapping[str, pulumi.Output[str]],
    cloud: Any,
    cloud_delivery: Any,
    vault_plan: Mapping[str, Sequence[CloudSecret]],
    namespaces: Mapping[str, IsolatedNamespace],
    reload_namespaces: Sequence[pulumi.Input[str]],
    parent: pulumi.Resource,
) -> dict[str, pulumi.Output[str]]:
    """The Vault store beside the cloud's: its mounts, then its delivery through the same operator."""
    vault_backend = VaultBackend(
        stack,
        cloud,
        cloud_audit=cloud_delivery.audit if cloud_delivery is not None else None,
        literals=literals,
    )
    foundation = vault_backend.foundation(f"{name}-vault", pulumi.ResourceOptions(parent=parent))
    delivery = vault_backend.secret_delivery(
        f"{name}-vault-store",
        SecretDeliveryArgs(
            backend=vault_backend,
            foundation=foundation,
            entries=vault_entries(stack),
            sync_plan=vault_plan,
            workloads={w.name: w for w in stack.workloads},
            namespaces={n: ns.namespace_name for n, ns in namespaces.items()},
            kubernetes_version=stack.cluster.kubernetes_version,
            operator=cloud_delivery.operator if cloud_delivery is not None else None,
            reload_namespaces=reload_namespaces,
        ),
        pulumi.ResourceOptions(
            parent=parent,
            providers={"kubernetes": cloud.kubernetes_provider, "vault": foundation.provider},
        ),
    )
    return dict(delivery.synced_secret_names)


def _workloads(
    name: str,
    stack: StackConfig,
    namespaces: Mapping[str, IsolatedNamespace],
    secrets: Mapping[str, KubernetesSecret],
    synced: Mapping[str, pulumi.Output[str]],
    opts: pulumi.ResourceOptions,
) -> None:
    """Per workload: a reader Role on exactly its Secrets, and its Deployment consuming them."""
    for workload in stack.workloads:
        namespace = namespaces[workload.namespace_name]
        grants = [
            SecretGrant(
                entry=entry,
                # The KubernetesSecret's output makes the Deployment wait for the new Secret.
                secret_name=secrets[entry.name].secret_name
                if entry.name in secrets
                else synced.get(entry.name, versioned_name(entry.name, entry.version)),
                namespace=stack.secret_namespace(entry),
            )
            for entry in stack.secrets
            if workload.name in entry.readers
        ]
        service_account = namespace.service_account_names[workload.name]
        if grants:
            SecretReader(
                f"{name}-reader-{workload.name}",
                SecretReaderArgs(
                    namespace=namespace.namespace_name,
                    service_account=service_account,
                    secret_names=[versioned_name(g.entry.name, g.entry.version) for g in grants],
                    workload=workload.name,
                ),
                opts,
            )
        # The ServiceAccount's output makes the Deployment wait for it (and so for the namespace).
        WorkloadDeployment(
            f"{name}-workload-{workload.name}",
            WorkloadDeploymentArgs(workload=workload, service_account_name=service_account, secrets=grants),
            opts,
        )


def cms_token_labels(stack: StackConfig, secret: str) -> dict[str, str]:
    """`secrets-platform/cms-access` of the Secrets that open the CMS: its tokens and its administrator's
    password (none on other Secrets). The policy pack reads it: a write token stays in the CMS namespace,
    a writer Job mounts no other, a provisioning Job only these."""
    if not stack.cms.enabled:
        return {}
    access = {
        stack.cms.read_token_secret: "read",
        stack.cms.writer_token_secret: "write",
        stack.cms.admin_secret: "admin",
    }
    return {CMS_ACCESS_LABEL: access[secret]} if secret in access else {}


def _cms(
    name: str,
    stack: StackConfig,
    project_dir: Path,
    namespaces: Mapping[str, IsolatedNamespace],
    secrets: Mapping[str, KubernetesSecret],
    database: object,
    cert_manager: CertManager,
    opts: pulumi.ResourceOptions,
) -> Cms:
    """The CMS, with its catalogue Secrets and its database (config/references/ checked them)."""
    cms = stack.cms
    catalogue = {entry.name: entry for entry in stack.secrets}

    def required(field: str) -> str:
        value = getattr(cms, field)
        if value is None:  # config/references/ requires it with the CMS
            raise ValueError(f"cms.{field} is required with the CMS")
        return value

    read_token = catalogue[required("read_token_secret")]
    return Cms(
        f"{name}-cms",
        CmsArgs(
            namespace=namespaces[cms.namespace].namespace_name,
            namespace_name=cms.namespace,
            image=cms.image,
            replicas=cms.replicas,
            collection=cms.collection,
            admin_email=required("admin_email"),
            signing_secret=secrets[required("signing_secret")].secret_name,
            admin_secret=secrets[required("admin_secret")].secret_name,
            read_token_secret=versioned_name(read_token.name, read_token.version),
            writer_token_secret=secrets[required("writer_token_secret")].secret_name,
            database=CmsDatabase(
                host=database.host,  # type: ignore[attr-defined]
                port=database.port,  # type: ignore[attr-defined]
                database_name=database.database_name,  # type: ignore[attr-defined]
                username=database.username,  # type: ignore[attr-defined]
                credentials_secret=database.credentials_secret,  # type: ignore[attr-defined]
                egress_cidrs=database.egress_cidrs,  # type: ignore[attr-defined]
                rotates=database.rotates,  # type: ignore[attr-defined]
                ca_bundle=(project_dir / cms.database_ca_file).read_text(encoding="utf-8")
                if cms.database_ca_file
                else None,
            ),
            tls_issuer=INTERNAL_CA_ISSUER,
            depends_on=cert_manager.issuers,
        ),
        opts,
    )


def _cms_jobs(
    name: str,
    stack: StackConfig,
    namespaces: Mapping[str, IsolatedNamespace],
    secrets: Mapping[str, KubernetesSecret],
    cms: Cms,
    opts: pulumi.ResourceOptions,
) -> CmsProvisioner:
    """The CMS's provisioning Job (once the CMS is ready), then one writer Job per mobile secret."""
    config = stack.cms
    catalogue = {entry.name: entry for entry in stack.secrets}
    # config/references/ requires these with the CMS, as literal, file or generated secrets.
    admin = catalogue[str(config.admin_secret)]
    read_token = catalogue[str(config.read_token_secret)]
    writer_token = catalogue[str(config.writer_token_secret)]
    target = CmsJobArgs(
        namespace=namespaces[config.namespace].namespace_name,
        image=stack.bff.image,
        cms_url=cms.url,
        collection=cms.collection,
        ca_secret=cms.ca_secret,
    )
    provisioner = CmsProvisioner(
        f"{name}-cms-provisioner",
        CmsProvisionerArgs(
            **vars(target),
            admin_email=str(config.admin_email),
            admin_secret=admin.name,
            admin_password=VersionedSecret(name=secrets[admin.name].secret_name, version=admin.version),
            read_token=secrets[read_token.name].values["token"],
            read_token_version=read_token.version,
            read_token_source=read_token.name,
            read_token_rotation_days=read_token.rotation_days,
            writer_token=VersionedSecret(
                name=secrets[writer_token.name].secret_name, version=writer_token.version
            ),
            # Depending on a component waits for all its children (pulumi/pulumi#7732): the CMS's
            # Deployment (rolled out), Service and certificate.
            depends_on=[cms],
        ),
        opts,
    )
    CmsWriterJobs(
        f"{name}-cms-writer",
        CmsWriterJobsArgs(
            **vars(target),
            writer_token_secret=cms.writer_token_secret,
            secrets=[
                MobileSecretVersion(name=e.name, version=e.version, secret_name=secrets[e.name].secret_name)
                for e in stack.secrets
                if e.mobile
            ],
            depends_on=[provisioner.job],
        ),
        opts,
    )
    return provisioner


def _helm_releases(
    name: str,
    stack: StackConfig,
    project_dir: Path,
    namespaces: Mapping[str, IsolatedNamespace],
    secrets: Mapping[str, KubernetesSecret],
    cert_manager: CertManager,
    cms: Cms | None,
    provisioner: CmsProvisioner | None,
    opts: pulumi.ResourceOptions,
) -> None:
    """Per Helm release: its secret overrides in a versioned Secret, and the release reading it.

    The BFF chart also gets the stack's `bff:` and `apps:` settings, the CMS's address and CA, its
    certificates and an Ingress declared by the platform; it waits for the CMS's provisioning Job, so
    the collection exists and a new read token is valid before the pods roll to it.
    """
    catalogue = {entry.name: entry for entry in stack.secrets}
    for release in stack.helm_releases:
        is_bff = release.chart == "charts/bff"
        namespace = (
            namespaces[release.namespace].namespace_name
            if release.namespace in namespaces
            else release.namespace
        )
        # `bff.fullname` in the chart: the release name when it contains the chart's name.
        service_name = release.name if "bff" in release.name else f"{release.name}-bff"
        tls_secret: pulumi.Input[str] = ""
        if is_bff:
            certificates = BffCertificates(
                f"{name}-bff-certificates",
                BffCertificatesArgs(
                    namespace=namespace,
                    namespace_name=release.namespace,
                    service_name=service_name,
                    hostname=stack.bff.hostname,
                    internal_issuer=INTERNAL_CA_ISSUER,
                    acme_issuer=ACME_ISSUER if stack.edge.acme is not None else None,
                    depends_on=cert_manager.issuers,
                ),
                opts,
            )
            if stack.bff.tls_secret is not None:
                tls = catalogue[stack.bff.tls_secret]
                # The TLS Secret's output, when the platform declares it, makes the release wait for it.
                tls_secret = (
                    secrets[tls.name].secret_name
                    if tls.name in secrets
                    else versioned_name(tls.name, tls.version)
                )
            elif certificates.public_secret is not None:
                tls_secret = certificates.public_secret
        HelmChartRelease(
            f"{name}-helm-{release.name}",
            HelmChartReleaseArgs(
                release=release,
                project_dir=project_dir,
                namespace=namespace,
                secret_values={o.path: secrets[o.secret].values[o.key] for o in release.secret_values},
                sets=bff_sets(
                    stack.bff,
                    BffWiring(
                        apps=stack.apps,
                        serving_secret=SERVING_SECRET,
                        cms_url=cms.url if cms is not None else None,
                        cms_collection=cms.collection if cms is not None else None,
                    ),
                )
                if is_bff
                else {},
                secret_version=overrides_version(release, catalogue),
                rotation_days=overrides_rotation_days(release, catalogue),
                depends_on=[provisioner.job] if is_bff and provisioner is not None else [],
            ),
            opts,
        )
        if is_bff:
            BffIngress(
                f"{name}-bff-ingress",
                BffIngressArgs(
                    bff=stack.bff,
                    namespace=namespace,
                    service_name=service_name,
                    tls_secret_name=tls_secret,
                    backend_ca_secret=EDGE_CLIENT_SECRET,
                ),
                opts,
            )
