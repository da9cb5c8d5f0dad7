"""An AWS WAFv2 web ACL in front of the BFF: the edge's rate limit and allow-list, enforced before a
request reaches the cluster.

WAF attaches to an Application Load Balancer (not to the Network Load Balancer a `LoadBalancer`
Service gets), so the stack names the ALB that fronts the ingress controller. The rate-based rule
counts per client IP over one minute (`evaluation_window_sec: 60`, AWS WAF developer guide,
"Rate-based rule statement") and answers 429; requests from outside the allowed networks are
blocked. An allow-list of everything (`0.0.0.0/0`) needs no IP set: WAF IP sets refuse `/0`.
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints` (see components/aws/foundation.py).
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

RATE_WINDOW_SECONDS = 60
MIN_RATE_LIMIT = 10
"""The lowest limit a rate-based rule accepts (AWS WAF quotas)."""


@dataclass(frozen=True, kw_only=True)
class BffWebAclArgs:
    cluster_name: str
    """Names the ACL and its metrics."""
    rate_limit_per_minute: int
    """Requests a minute one client IP may make (the BFF's edge limit)."""
    allowed_cidrs: Sequence[str]
    """Client networks allowed (the BFF's allow-list)."""
    load_balancer_arn: str
    """The ALB in front of the ingress controller."""


def _visibility(metric: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True}


def restricted_networks(cidrs: Sequence[str]) -> dict[str, list[str]]:
    """IP version -> networks of the allow-list; empty when it admits every address (a `/0`)."""
    networks = [ipaddress.ip_network(c) for c in cidrs]
    if any(n.prefixlen == 0 for n in networks):
        return {}
    return {
        version: [str(n) for n in networks if n.version == number]
        for version, number in (("IPV4", 4), ("IPV6", 6))
        if any(n.version == number for n in networks)
    }


class BffWebAcl(pulumi.ComponentResource):
    """A regional web ACL (per-IP rate limit, IP allow-list) associated with the BFF's load balancer."""

    web_acl_arn: pulumi.Output[str]
    """ARN of the web ACL."""

    def __init__(self, name: str, args: BffWebAclArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("secrets-platform:aws_web_acl:BffWebAcl", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix = f"{args.cluster_name}-bff"
        rules: list[Any] = [
            {
                "name": "per-ip-rate-limit",
                "priority": 1,
                "action": {"block": {"custom_response": {"response_code": 429}}},
                "statement": {
                    "rate_based_statement": {
                        "aggregate_key_type": "IP",
                        "limit": max(MIN_RATE_LIMIT, args.rate_limit_per_minute),
                        "evaluation_window_sec": RATE_WINDOW_SECONDS,
                    }
                },
                "visibility_config": _visibility(f"{prefix}-rate-limit"),
            }
        ]
        allowed = restricted_networks(args.allowed_cidrs)
        references = [
            {
                "ip_set_reference_statement": {
                    "arn": aws.wafv2.IpSet(
                        f"{name}-allowed-{version.lower()}",
                        name=f"{prefix}-allowed-{version.lower()}",
                        description="Client networks allowed to call the BFF",
                        scope="REGIONAL",
                        ip_address_version=version,
                        addresses=addresses,
                        opts=child,
                    ).arn
                }
            }
            for version, addresses in allowed.items()
        ]
        if references:
            inside = references[0] if len(references) == 1 else {"or_statement": {"statements": references}}
            rules.append(
                {
                    "name": "outside-allowed-networks",
                    "priority": 2,
                    "action": {"block": {}},
                    "statement": {"not_statement": {"statement": inside}},
                    "visibility_config": _visibility(f"{prefix}-outside-allowed"),
                }
            )
        acl = aws.wafv2.WebAcl(
            f"{name}-acl",
            name=prefix,
            description="Edge rate limit and allow-list of the BFF",
            scope="REGIONAL",
            default_action={"allow": {}},
            rules=rules,
            visibility_config=_visibility(prefix),
            opts=child,
        )
        aws.wafv2.WebAclAssociation(
            f"{name}-association",
            resource_arn=args.load_balancer_arn,
            web_acl_arn=acl.arn,
            opts=pulumi.ResourceOptions(parent=acl),
        )
        self.web_acl_arn = acl.arn
        self.register_outputs({"web_acl_arn": self.web_acl_arn})
