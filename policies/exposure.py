"""Exposure: the control planes and functions that hold or hand out secrets are not open to the world.

An EKS or AKS API server reachable from any address is one leaked credential away from every Secret
of the cluster; a Lambda function URL without auth runs for anyone who finds it. Networks are parsed,
and a range wider than `minPrefixLength` bits counts as the world. Messages never repeat an address.
An ingress-nginx snippet annotation turns whoever may write an Ingress into someone who configures the
controller, which reads every Secret of the cluster. A NetworkPolicy rule that admits every peer on
every port undoes the namespace's default deny: anything may then reach the pods that mount Secrets,
or those pods may send what they read anywhere.
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
    too_wide,
    true_flag,
    unknown_at,
)

EKS_CLUSTER = "aws:eks/cluster:Cluster"
AKS_CLUSTER = "azure-native:containerservice:ManagedCluster"
FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
SNIPPET_ANNOTATION = re.compile(r"^nginx\.ingress\.kubernetes\.io/[a-z0-9-]*snippet$")
"""ingress-nginx's snippet annotations (`configuration-snippet`, `server-snippet`, `auth-snippet`,
`stream-snippet`, `modsecurity-snippet`, and any later `*-snippet`): raw NGINX configuration."""


def min_prefix(default: int) -> dict[str, Any]:
    return {
        "type": "integer",
        "minimum": 1,
        "maximum": 32,
        "default": default,
        "description": "Shortest IPv4 prefix (IPv6: this plus 64) an allow-list may hold; wider ranges count "
        "as open to the world.",
    }


def wide_entries(cidrs: list[Any], prefix: int) -> list[int]:
    """Indexes of entries that are not networks, or wider than the prefix allows."""
    return [i for i, cidr in enumerate(cidrs) if too_wide(cidr, prefix)]


def _eks_endpoint(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != EKS_CLUSTER:
        return
    props = plain(args.props)
    if unknown_at(props, "vpcConfig", "endpointPublicAccess") or unknown_at(
        props, "vpcConfig", "publicAccessCidrs"
    ):
        return
    if dig(props, "vpcConfig", "endpointPublicAccess") is False:
        return  # EKS API default: public access on, from 0.0.0.0/0 (CreateCluster, VpcConfigRequest)
    cidrs = as_list(dig(props, "vpcConfig", "publicAccessCidrs")) or ["0.0.0.0/0"]
    if any(is_unknown(c) for c in cidrs):
        return
    prefix = settings(args, AWS_EKS_CLUSTER_ENDPOINT_PUBLIC.config_schema)["minPrefixLength"]
    wide = wide_entries(cidrs, prefix)
    if wide:
        where = (
            "vpcConfig.publicAccessCidrs is unset (0.0.0.0/0)"
            if not as_list(dig(props, "vpcConfig", "publicAccessCidrs"))
            else f"vpcConfig.publicAccessCidrs[{', '.join(map(str, wide))}] admits the world (or is no network)"
        )
        report(
            message(
                f"The cluster's public API endpoint is on and {where}",
                "Set vpc_config.endpoint_public_access=False (with endpoint_private_access=True), or list the "
                "operators' networks in public_access_cidrs",
            ),
            None,
        )


# Source: CIS Amazon EKS Benchmark 5.4.2 ("Ensure clusters are created with Private Endpoint Enabled and
# Public Access Disabled"); EKS API reference, VpcConfigRequest (public access on from 0.0.0.0/0 by
# default); checkov CKV_AWS_38, CKV_AWS_39.
AWS_EKS_CLUSTER_ENDPOINT_PUBLIC = ResourceValidationPolicy(
    name="aws-eks-cluster-endpoint-public",
    description="EKS API endpoints must not be reachable from the whole internet.",
    validate=_eks_endpoint,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(minPrefixLength=min_prefix(16)),
    remediation_steps="Turn the public endpoint off or restrict public_access_cidrs to known networks.",
)


def _aks_api_access(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != AKS_CLUSTER:
        return
    props = plain(args.props)
    profile = props.get("apiServerAccessProfile")
    if is_unknown(profile) or unknown_at(props, "apiServerAccessProfile", "authorizedIPRanges"):
        return
    if unknown_at(props, "apiServerAccessProfile", "enablePrivateCluster"):
        return
    if dig(profile, "enablePrivateCluster") is True:
        return
    ranges = as_list(dig(profile, "authorizedIPRanges"))
    if any(is_unknown(r) for r in ranges):
        return
    prefix = settings(args, AZURE_AKS_CLUSTER_API_SERVER_ACCESS.config_schema)["minPrefixLength"]
    if not ranges:
        finding = "The cluster's API server is public and apiServerAccessProfile.authorizedIPRanges is empty"
    else:
        wide = wide_entries(ranges, prefix)
        if not wide:
            return
        finding = (
            f"apiServerAccessProfile.authorizedIPRanges[{', '.join(map(str, wide))}] admits the world "
            "(or is no network)"
        )
    report(
        message(
            finding,
            "Set api_server_access_profile.enable_private_cluster=True, or list the operators' networks in "
            "authorized_ip_ranges",
        ),
        None,
    )


# Source: AKS docs, "Secure access to the API server using authorized IP address ranges"; CIS Azure
# Kubernetes Service Benchmark 5.4.1 (restrict access to the control plane endpoint); checkov CKV_AZURE_6.
AZURE_AKS_CLUSTER_API_SERVER_ACCESS = ResourceValidationPolicy(
    name="azure-aks-cluster-api-server-access",
    description="AKS API servers must be private or admit only authorized networks narrower than "
    "minPrefixLength.",
    validate=_aks_api_access,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(minPrefixLength=min_prefix(16)),
    remediation_steps="Make the cluster private, or set authorized_ip_ranges to known networks.",
)


def _function_url_auth(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != FUNCTION_URL:
        return
    kind = plain(args.props).get("authorizationType")
    if is_unknown(kind):
        return
    if str(kind or "").upper() != "AWS_IAM":
        report(
            message(
                "The function URL does not require IAM authentication, so anyone on the internet may invoke "
                "the function and whatever secrets its role reads",
                "Set authorization_type='AWS_IAM' and grant lambda:InvokeFunctionUrl to the callers",
            ),
            None,
        )


# Source: Lambda developer guide, "Control access to Lambda function URLs" (AuthType NONE: public,
# unauthenticated); checkov CKV_AWS_258.
AWS_LAMBDA_FUNCTION_URL_AUTH = ResourceValidationPolicy(
    name="aws-lambda-function-url-auth",
    description="Lambda function URLs must require IAM authentication.",
    validate=_function_url_auth,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Set authorization_type to AWS_IAM.",
)


def _snippets_allowed(values: Any) -> bool:
    """The chart's value, or the controller ConfigMap key it sets (`controller.config`)."""
    flags = (
        dig(values, "controller", "allowSnippetAnnotations"),
        dig(values, "controller", "config", "allow-snippet-annotations"),
    )
    return any(true_flag(flag) for flag in flags)


def _ingress_snippets(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type in HELM_RELEASES:
        props = plain(args.props)
        if chart_name(props.get("chart")) == "ingress-nginx" and _snippets_allowed(props.get("values")):
            report(
                message(
                    "The ingress-nginx release allows snippet annotations: any Ingress may then inject NGINX "
                    "configuration into the controller, which reads every Secret",
                    "Leave controller.allowSnippetAnnotations false (the default since controller v1.9.0)",
                ),
                None,
            )
        return
    if args.resource_type != INGRESS:
        return
    annotations = dig(plain(args.props), "metadata", "annotations")
    if not isinstance(annotations, dict):
        return
    for key in sorted(k for k in annotations if isinstance(k, str) and SNIPPET_ANNOTATION.match(k)):
        report(
            message(
                f"metadata.annotations has {key}: raw NGINX configuration runs in the controller, which "
                "can read every Secret of the cluster",
                "Remove the snippet; use the dedicated annotation or a controller-wide ConfigMap setting",
            ),
            None,
        )


# Source: CVE-2021-25742 (ingress-nginx custom snippets read the controller's token and every Secret;
# kubernetes/ingress-nginx#7837) and CVE-2023-5043/5044; ingress-nginx docs, "ConfigMap:
# allow-snippet-annotations" (off by default since controller v1.9.0: kubernetes/ingress-nginx#10393).
KUBERNETES_INGRESS_SNIPPET_ANNOTATION = ResourceValidationPolicy(
    name="kubernetes-ingress-snippet-annotation",
    description="Ingresses must not carry ingress-nginx snippet annotations, nor may the controller allow them.",
    validate=with_manifests(_ingress_snippets),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(),
    remediation_steps="Remove every nginx.ingress.kubernetes.io/*-snippet annotation; keep allowSnippetAnnotations false.",
)


def _selects_all(selector: Any) -> bool:
    """A label selector that selects everything: `{}`, with no matchLabels and no matchExpressions."""
    return (
        isinstance(selector, dict)
        and not selector.get("matchLabels")
        and not selector.get("matchExpressions")
    )


def _every_peer(peers: list[Any], prefix: int) -> bool:
    """No peer at all (every pod and address), an ipBlock wider than `prefix` bits with no except, or
    `namespaceSelector: {}` with no narrower podSelector (every pod of every namespace)."""
    if not peers:
        return True
    for peer in peers:
        if not isinstance(peer, dict) or any(is_unknown(v) for v in peer.values()):
            continue
        block = peer.get("ipBlock")
        if (
            isinstance(block, dict)
            and not unknown_at(block, "cidr")
            and not as_list(block.get("except"))
            and too_wide(block.get("cidr"), prefix)
        ):
            return True
        namespaces = peer.get("namespaceSelector")
        if (
            _selects_all(namespaces)
            and not any(unknown_at(namespaces, k) for k in ("matchLabels", "matchExpressions"))
            and ("podSelector" not in peer or _selects_all(peer.get("podSelector")))
            and not any(
                unknown_at(peer.get("podSelector") or {}, k) for k in ("matchLabels", "matchExpressions")
            )
        ):
            return True
    return False


def _networkpolicy_allow_all(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != NETWORK_POLICY:
        return
    prefix = settings(args, KUBERNETES_NETWORKPOLICY_ALLOW_ALL.config_schema)["minPrefixLength"]
    spec = dig(plain(args.props), "spec")
    if not isinstance(spec, dict):
        return
    for direction, peers_key, what in (
        ("ingress", "from", "admits every pod (and, without peers, every address), on every port"),
        ("egress", "to", "lets the pods reach every pod (and, without peers, every address), on every port"),
    ):
        rules = spec.get(direction)
        if is_unknown(rules):
            continue
        for i, rule in enumerate(as_list(rules)):
            if not isinstance(rule, dict) or unknown_at(rule, peers_key) or unknown_at(rule, "ports"):
                continue
            peers = as_list(rule.get(peers_key))
            if as_list(rule.get("ports")) or any(is_unknown(p) for p in peers):
                continue  # a rule scoped to ports (the ingress controller's 443 from anywhere) is deliberate
            if _every_peer(peers, prefix):
                report(
                    message(
                        f"spec.{direction}[{i}] {what}: it undoes the namespace's default deny",
                        f"Name the peers ({peers_key}: podSelector, namespaceSelector or a narrow ipBlock) and the "
                        "ports the rule is for",
                    ),
                    None,
                )


# Source: Kubernetes docs, "Network Policies" (an empty rule `{}` allows all traffic in that direction;
# "default deny" plus explicit allows); NSA/CISA Kubernetes Hardening Guide, "Network separation and
# hardening" (default-deny policies, then allow only the required traffic).
KUBERNETES_NETWORKPOLICY_ALLOW_ALL = ResourceValidationPolicy(
    name="kubernetes-networkpolicy-allow-all",
    description="NetworkPolicy rules must name their peers or their ports, never allow all traffic.",
    validate=with_manifests(_networkpolicy_allow_all),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(minPrefixLength=min_prefix(8)),
    remediation_steps="Give every ingress rule a from and every egress rule a to (or ports); no empty rule.",
)


POLICIES = [
    AWS_EKS_CLUSTER_ENDPOINT_PUBLIC,
    AZURE_AKS_CLUSTER_API_SERVER_ACCESS,
    AWS_LAMBDA_FUNCTION_URL_AUTH,
    KUBERNETES_INGRESS_SNIPPET_ANNOTATION,
    KUBERNETES_NETWORKPOLICY_ALLOW_ALL,
]
