"""Transport: secrets leave the cluster only over TLS, and the BFF's front door is narrow.

Every Ingress terminates TLS for every host it routes. The BFF ingress, the only way a mobile app
gets a secret, also limits the request rate per client and the networks allowed to call it, and
speaks TLS again to the pod. The CMS, where mobile secrets are kept, is exposed by no Service type
or Ingress at all: operators reach it through the API server (`kubectl port-forward`). The stores
secrets come from are reached over verified TLS only: an External Secrets store's endpoints and the
Vault provider's address are https, and the provider never skips certificate verification.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from policies._kubernetes import with_manifests
from policies._support import (
    as_list,
    as_number,
    dig,
    is_unknown,
    known,
    message,
    plain,
    schema,
    settings,
    string_list,
    too_wide,
    true_flag,
    unknown_at,
    walk,
)

INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
SERVICE = "kubernetes:core/v1:Service"
EXPOSING_SERVICE_TYPES = ("LoadBalancer", "NodePort")
"""Service types reachable from outside the cluster (Kubernetes docs, "Service: publishing services")."""
BACKEND_PROTOCOL = "nginx.ingress.kubernetes.io/backend-protocol"
SSL_PASSTHROUGH = "nginx.ingress.kubernetes.io/ssl-passthrough"
TLS_BACKEND_PROTOCOLS = ("HTTPS", "GRPCS")
"""ingress-nginx backend protocols that speak TLS to the pod ("Backend Protocol" annotation)."""

RATE_LIMIT_ANNOTATIONS = [
    "nginx.ingress.kubernetes.io/limit-rpm",
    "nginx.ingress.kubernetes.io/limit-rps",
]
"""ingress-nginx per-client-IP rate limits (ingress-nginx docs, "Rate Limiting")."""
SOURCE_RANGE_ANNOTATIONS = [
    "nginx.ingress.kubernetes.io/whitelist-source-range",
    "nginx.ingress.kubernetes.io/allowlist-source-range",
]
"""ingress-nginx client IP allow-lists (the second is the newer name of the first)."""


def _vocabulary(value: Any, words: tuple[str, ...]) -> str:
    """The constant a value equals, so a message never repeats input text."""
    return next((w for w in words if w == value), "")


def host_covered(host: str, tls_hosts: list[str]) -> bool:
    """Whether a TLS host list covers a host; `*.example.com` covers exactly one more label."""
    for tls_host in tls_hosts:
        if tls_host == host:
            return True
        if (
            tls_host.startswith("*.")
            and host.count(".") == tls_host.count(".")
            and host.endswith(tls_host[1:])
        ):
            return True
    return False


def _ingress_tls(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != INGRESS:
        return
    spec = plain(args.props).get("spec")
    if not isinstance(spec, dict):
        return
    tls = spec.get("tls")
    rules = spec.get("rules")
    if is_unknown(tls) or is_unknown(rules):
        return
    if any(
        unknown_at(entry, "hosts") or any(is_unknown(h) for h in as_list(dig(entry, "hosts")))
        for entry in as_list(tls)
    ):
        return
    tls_hosts = [str(h) for entry in as_list(tls) for h in as_list(dig(entry, "hosts")) if known(h)]
    if not as_list(tls):
        report(
            message(
                "The ingress serves plain HTTP: it has no tls section",
                "Add spec.tls with the ingress's hosts and the Secret holding their certificate",
            ),
            None,
        )
        return
    for i, rule in enumerate(as_list(rules)):
        host = rule.get("host") if isinstance(rule, dict) else None
        if is_unknown(host):
            continue
        if not host:
            report(
                message(
                    f"rules[{i}] has no host, so it answers any name, including ones no certificate covers",
                    "Set the rule's host and list it under spec.tls",
                ),
                None,
            )
        elif not host_covered(str(host), tls_hosts):
            report(
                message(
                    f"rules[{i}] routes a host that no spec.tls entry covers",
                    f"Add rules[{i}].host to the hosts of a spec.tls entry",
                ),
                None,
            )
    for i, entry in enumerate(as_list(tls)):
        if isinstance(entry, dict) and "secretName" not in entry:
            report(
                message(
                    f"tls[{i}] names no certificate Secret",
                    "Set secret_name to the kubernetes.io/tls Secret of the hosts",
                ),
                None,
            )


# Source: CIS Kubernetes Benchmark (ingress traffic), Kubernetes docs "Ingress: TLS".
KUBERNETES_INGRESS_TLS = ResourceValidationPolicy(
    name="kubernetes-ingress-tls",
    description="Ingresses must terminate TLS for every host they route.",
    validate=with_manifests(_ingress_tls),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(),
    remediation_steps="List every rule's host under spec.tls with a certificate Secret.",
)


def _bff_selector() -> dict[str, Any]:
    """The config property both BFF policies select their ingress with."""
    return {
        "type": "object",
        "default": {"app.kubernetes.io/name": "bff"},
        "description": "Labels that identify the BFF ingress.",
    }


def _bff_annotations(
    args: ResourceValidationArgs, policy: ResourceValidationPolicy
) -> tuple[dict, dict] | None:
    """(config, annotations) of an ingress selected by the policy's labels; None for other objects."""
    if args.resource_type != INGRESS:
        return None
    cfg = settings(args, policy.config_schema)
    props = plain(args.props)
    if unknown_at(props, "metadata", "labels") or unknown_at(props, "metadata", "annotations"):
        return None
    metadata = props.get("metadata")
    labels = dig(metadata, "labels")
    if not isinstance(labels, dict) or any(labels.get(k) != v for k, v in cfg["selector"].items()):
        return None
    annotations = dig(metadata, "annotations")
    return cfg, annotations if isinstance(annotations, dict) else {}


def _bff_rate_limit(args: ResourceValidationArgs, report: ReportViolation) -> None:
    selected = _bff_annotations(args, KUBERNETES_INGRESS_BFF_RATE_LIMIT)
    if selected is None:
        return
    cfg, annotations = selected
    present = [a for a in cfg["annotations"] if a in annotations]
    if any(is_unknown(annotations[a]) for a in present):
        return
    if not present:
        report(
            message(
                "The BFF ingress has no rate limit",
                f"Annotate it with {cfg['annotations'][0]}: '<requests a minute per client IP>'",
            ),
            None,
        )
        return
    for annotation in present:
        limit = as_number(annotations[annotation])
        if limit is None or limit <= 0:
            report(
                message(
                    f"The {annotation} annotation is not a positive number",
                    f"Set {annotation} to the requests allowed per client IP",
                ),
                None,
            )


KUBERNETES_INGRESS_BFF_RATE_LIMIT = ResourceValidationPolicy(
    name="kubernetes-ingress-bff-rate-limit",
    description="The BFF ingress must limit the request rate per client.",
    validate=with_manifests(_bff_rate_limit),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        selector=_bff_selector(),
        annotations=string_list(
            RATE_LIMIT_ANNOTATIONS, "Annotations that set a per-client rate limit (any one suffices)."
        ),
    ),
    remediation_steps="Annotate the BFF ingress with nginx.ingress.kubernetes.io/limit-rpm.",
)


def _networks(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network] | None:
    try:
        return [ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()]
    except ValueError:
        return None


def _bff_source_range(args: ResourceValidationArgs, report: ReportViolation) -> None:
    selected = _bff_annotations(args, KUBERNETES_INGRESS_BFF_SOURCE_RANGE)
    if selected is None:
        return
    cfg, annotations = selected
    present = [a for a in SOURCE_RANGE_ANNOTATIONS if a in annotations]
    if any(is_unknown(annotations[a]) for a in present):
        return
    if not present:
        report(
            message(
                "The BFF ingress accepts clients from any network without an explicit allow-list",
                f"Annotate it with {SOURCE_RANGE_ANNOTATIONS[0]}: '<comma-separated CIDRs>'",
            ),
            None,
        )
        return
    allowed_networks = _networks(",".join(cfg["allowedCidrs"])) or []
    for annotation in present:
        networks = _networks(str(annotations[annotation]))
        if not networks:
            report(
                message(
                    f"The {annotation} annotation is not a list of CIDRs",
                    "Set it to comma-separated networks such as 203.0.113.0/24",
                ),
                None,
            )
            continue
        outside = [
            n
            for n in networks
            if not any(n.version == a.version and n.subnet_of(a) for a in allowed_networks)  # type: ignore[arg-type]
        ]
        if outside:
            report(
                message(
                    f"The {annotation} annotation admits {len(outside)} network(s) outside the allowed networks",
                    "Narrow the BFF's allowedCidrs, or widen allowedCidrs in the policy config on purpose",
                ),
                None,
            )


KUBERNETES_INGRESS_BFF_SOURCE_RANGE = ResourceValidationPolicy(
    name="kubernetes-ingress-bff-source-range",
    description="The BFF ingress must allow-list client networks within allowedCidrs.",
    validate=with_manifests(_bff_source_range),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    config_schema=schema(
        selector=_bff_selector(),
        allowedCidrs=string_list(
            ["0.0.0.0/0", "::/0"], "Networks the BFF's allow-list may admit (mobile apps call from anywhere)."
        ),
    ),
    remediation_steps="Annotate the BFF ingress with nginx.ingress.kubernetes.io/whitelist-source-range.",
)


def _bff_backend_tls(args: ResourceValidationArgs, report: ReportViolation) -> None:
    selected = _bff_annotations(args, KUBERNETES_INGRESS_BFF_BACKEND_TLS)
    if selected is None:
        return
    _, annotations = selected
    protocol, passthrough = annotations.get(BACKEND_PROTOCOL), annotations.get(SSL_PASSTHROUGH)
    if is_unknown(protocol) or is_unknown(passthrough):
        return
    if str(passthrough).lower() == "true" or str(protocol).upper() in TLS_BACKEND_PROTOCOLS:
        return
    report(
        message(
            "The BFF ingress forwards to the pod in plain HTTP, so secrets cross the cluster network "
            "unencrypted",
            f"Annotate it with {BACKEND_PROTOCOL}: HTTPS (and proxy-ssl-verify with the internal CA)",
        ),
        None,
    )


# Source: OWASP MASVS-NETWORK-1 (secure transport end to end); ingress-nginx "Backend Protocol".
KUBERNETES_INGRESS_BFF_BACKEND_TLS = ResourceValidationPolicy(
    name="kubernetes-ingress-bff-backend-tls",
    description="The BFF ingress must speak TLS to the BFF's pods, never plain HTTP.",
    validate=with_manifests(_bff_backend_tls),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(selector=_bff_selector()),
    remediation_steps="Annotate the BFF ingress with nginx.ingress.kubernetes.io/backend-protocol: HTTPS.",
)


def _is_cms(metadata: Any, selector: dict[str, Any], namespaces: list[str]) -> bool:
    labels = dig(metadata, "labels")
    namespace = dig(metadata, "namespace")
    labelled = isinstance(labels, dict) and all(labels.get(k) == v for k, v in selector.items())
    return labelled or (isinstance(namespace, str) and namespace in namespaces)


def _cms_exposure(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in (SERVICE, INGRESS):
        return
    cfg = settings(args, KUBERNETES_CMS_EXPOSURE.config_schema)
    props = plain(args.props)
    if unknown_at(props, "metadata", "labels") or unknown_at(props, "metadata", "namespace"):
        return
    metadata = props.get("metadata")
    if args.resource_type == INGRESS:
        if _is_cms(metadata, cfg["selector"], cfg["namespaces"]):
            report(
                message(
                    "An Ingress routes to the CMS, which holds every mobile secret",
                    "Remove the Ingress; operators reach the CMS admin UI with kubectl port-forward",
                ),
                None,
            )
        return
    service_type = dig(props, "spec", "type")
    if is_unknown(service_type) or unknown_at(props, "spec", "selector"):
        return
    selector = dig(props, "spec", "selector")
    selects_cms = isinstance(selector, dict) and all(selector.get(k) == v for k, v in cfg["selector"].items())
    if (selects_cms or _is_cms(metadata, cfg["selector"], cfg["namespaces"])) and (
        service_type in EXPOSING_SERVICE_TYPES
    ):
        report(
            message(
                f"The CMS is exposed outside the cluster by a {_vocabulary(service_type, EXPOSING_SERVICE_TYPES)} "
                "Service",
                "Make the Service type ClusterIP; operators reach the CMS admin UI with kubectl port-forward",
            ),
            None,
        )


# Source: OWASP API Security Top 10 API8 (security misconfiguration: exposed admin interfaces); the
# CMS is an internal store, reached by the BFF and the writer Jobs only.
KUBERNETES_CMS_EXPOSURE = ResourceValidationPolicy(
    name="kubernetes-cms-exposure",
    description="The CMS must not be exposed by a LoadBalancer or NodePort Service or by any Ingress.",
    validate=with_manifests(_cms_exposure),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(
        selector={
            "type": "object",
            "default": {"app.kubernetes.io/name": "cms"},
            "description": "Labels of the CMS's pods and objects.",
        },
        namespaces=string_list(["cms"], "Namespaces of the CMS: no Ingress and no exposing Service there."),
    ),
    remediation_steps="Keep the CMS behind a ClusterIP Service; use kubectl port-forward for the admin UI.",
)


KEY_VAULT = "azure-native:keyvault:Vault"


def _keyvault_network_acls(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != KEY_VAULT:
        return
    props = plain(args.props)
    if unknown_at(props, "properties", "networkAcls") or unknown_at(
        props, "properties", "publicNetworkAccess"
    ):
        return
    if str(dig(props, "properties", "publicNetworkAccess") or "").lower() == "disabled":
        return
    fix = (
        "Set properties.network_acls.default_action to Deny and list the networks that need the vault in "
        "ip_rules and virtual_network_rules (or disable public network access)"
    )
    action = dig(props, "properties", "networkAcls", "defaultAction")
    if is_unknown(action):
        return
    if str(action or "Allow").lower() != "deny":
        report(
            message(
                "The vault's firewall lets every network reach its data plane (defaultAction is not Deny)",
                fix,
            ),
            None,
        )
        return
    rules = as_list(dig(props, "properties", "networkAcls", "ipRules"))
    values = [dig(r, "value") for r in rules]
    if any(is_unknown(v) for v in values):
        return
    prefix = settings(args, AZURE_KEYVAULT_VAULT_NETWORK_ACLS.config_schema)["minPrefixLength"]
    wide = [i for i, v in enumerate(values) if too_wide(v, prefix)]
    if wide:
        report(
            message(
                f"properties.networkAcls.ipRules[{', '.join(map(str, wide))}] admits the world (or is no "
                "address), so the Deny default protects nothing",
                fix,
            ),
            None,
        )


# Source: CIS Microsoft Azure Foundations Benchmark, Key Vault, "Ensure that Public Network Access when
# using Private Endpoint is disabled" / Microsoft cloud security benchmark NS-2; checkov CKV_AZURE_109.
AZURE_KEYVAULT_VAULT_NETWORK_ACLS = ResourceValidationPolicy(
    name="azure-keyvault-vault-network-acls",
    description="Key Vault firewalls must deny by default and admit only listed networks narrower than "
    "minPrefixLength.",
    validate=_keyvault_network_acls,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        minPrefixLength={
            "type": "integer",
            "minimum": 1,
            "maximum": 32,
            "default": 16,
            "description": "Shortest IPv4 prefix an ip rule may have (IPv6: this plus 64); wider rules count as "
            "open to the world.",
        }
    ),
    remediation_steps="Set network_acls.default_action to Deny with explicit ip_rules and virtual_network_rules.",
)


SECRET_STORE_KINDS = ("SecretStore", "ClusterSecretStore")
VAULT_PROVIDER = "pulumi:providers:vault"


def _plain_http(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower().startswith("http://")


def _store_endpoint_tls(args: ResourceValidationArgs, report: ReportViolation) -> None:
    fix = "Use the https:// address of the endpoint, with its CA (caBundle or caProvider) where it is private"
    if args.resource_type == VAULT_PROVIDER:
        props = plain(args.props)
        if _plain_http(props.get("address")):
            report(
                message("The Vault provider's address is plain http: tokens and secrets cross in clear", fix),
                None,
            )
        if true_flag(props.get("skipTlsVerify")):
            report(
                message(
                    "The Vault provider skips TLS verification (skipTlsVerify), so anyone on the path can "
                    "answer as Vault",
                    "Set skip_tls_verify=False and give the provider Vault's CA (ca_cert_file) if it is private",
                ),
                None,
            )
        return
    if not (
        args.resource_type.startswith("kubernetes:external-secrets.io/")
        and args.resource_type.endswith(tuple(f":{kind}" for kind in SECRET_STORE_KINDS))
    ):
        return
    # Every address under the provider, whatever the provider names it (Vault `server`, webhook `url`,
    # Kubernetes `server.url`, 1Password `connectHost`...): a plain http one is a channel in clear.
    provider = dig(plain(args.props), "spec", "provider")
    for path, _key, value in walk(provider, "spec.provider"):
        if _plain_http(value):
            report(
                message(
                    f"{path} is a plain http address: the store's credentials and secrets cross in clear", fix
                ),
                None,
            )


# Source: External Secrets provider docs (Vault `server`, Webhook `url`, Kubernetes `server.url` take any
# URL; "caBundle"/"caProvider" for private CAs); Terraform Vault provider docs, `skip_tls_verify` ("Set
# this to true only if the target Vault server is an insecure development instance").
KUBERNETES_SECRETSTORE_ENDPOINT_TLS = ResourceValidationPolicy(
    name="kubernetes-secretstore-endpoint-tls",
    description="Secret stores (External Secrets stores, the Vault provider) must be reached over verified TLS.",
    validate=with_manifests(_store_endpoint_tls),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Use https:// endpoints in every SecretStore provider and the Vault provider's address; "
    "never skip TLS verification.",
)


POLICIES = [
    KUBERNETES_INGRESS_TLS,
    KUBERNETES_SECRETSTORE_ENDPOINT_TLS,
    KUBERNETES_INGRESS_BFF_RATE_LIMIT,
    KUBERNETES_INGRESS_BFF_SOURCE_RANGE,
    KUBERNETES_INGRESS_BFF_BACKEND_TLS,
    KUBERNETES_CMS_EXPOSURE,
    AZURE_KEYVAULT_VAULT_NETWORK_ACLS,
]
