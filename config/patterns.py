"""Name and value patterns shared by the config models and the components' own argument checks.

One source, so a component never refuses what the config accepted (or the reverse).
"""

from __future__ import annotations

import re

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
"""An RFC 1123 label (namespaces, Services, Secrets referenced by pods); at most 63 characters."""

DNS_LABEL_MAX = 63

KUBERNETES_MINOR = re.compile(r"^1\.\d+$")
"""A Kubernetes minor version such as `1.31`."""

SUPPORTED_KUBERNETES_MINOR = r"^1\.(2[5-9]|3[0-7])$"
"""The minor versions a stack may choose: those whose schemas kubernetes-validate ships (1.25 to 1.37),
so every object of a plan is validated against its cluster's own API."""

AWS_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
"""An AWS region name: `eu-west-1`, `ap-southeast-2`, `us-gov-west-1`."""

AWS_ACCOUNT = re.compile(r"^\d{12}$")
"""A 12-digit AWS account ID."""

AZURE_LOCATION = re.compile(r"^[a-z][a-z0-9]+$")
"""An Azure location's programmatic name: `westeurope`, `eastus2`."""


def is_dns_label(value: str) -> bool:
    """Whether `value` is a Kubernetes object name of the RFC 1123 label kind."""
    return len(value) <= DNS_LABEL_MAX and bool(DNS_LABEL.match(value))


DNS_SUBDOMAIN_MAX = 253


def is_dns_subdomain(value: str) -> bool:
    """Whether `value` is a Kubernetes object name of the RFC 1123 subdomain kind (most kinds: Secrets,
    Roles, custom resources): dot-separated labels, at most 253 characters."""
    return 0 < len(value) <= DNS_SUBDOMAIN_MAX and all(DNS_LABEL.match(label) for label in value.split("."))
