"""Shared pieces of the config models: the strict base model, name rules and value types."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from config.patterns import is_dns_label

PROJECT = "secrets-platform"

# Kubernetes object names: RFC 1123 labels (namespaces, Services, Secrets referenced by pods).
# Keys of a Secret's data map: `[-._a-zA-Z0-9]+` (k8s.io/apimachinery IsConfigMapKey).
_SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
# Pulumi config key names: letters, digits, `-`, `_` (no namespace: it is always ours).
_CONFIG_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def _dns_label(value: str) -> str:
    if not is_dns_label(value):
        raise ValueError(
            "expected a Kubernetes name: at most 63 characters of lower-case letters, digits and "
            "'-', starting and ending with a letter or digit"
        )
    return value


def _secret_key(value: str) -> str:
    if len(value) > 253 or not _SECRET_KEY.match(value):
        raise ValueError("expected a Secret data key: letters, digits, '-', '_' and '.'")
    return value


def _config_key(value: str) -> str:
    if not _CONFIG_KEY.match(value):
        raise ValueError(
            "expected the name of a config key of this project (letters, digits, '-', '_'), "
            "as given to `pulumi config set --secret <key>`"
        )
    return value


def _cidr(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValueError("expected an IPv4 or IPv6 network in CIDR form, such as 203.0.113.0/24") from None
    return str(network)


def _relative_path(value: str) -> str:
    if not value or value.startswith("/") or ".." in value.split("/"):
        raise ValueError("expected a path relative to the project directory, without '..'")
    return value


K8sName = Annotated[str, AfterValidator(_dns_label)]

RESERVED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
"""Namespaces Kubernetes keeps for itself (kubernetes.io/docs/concepts/overview/working-with-objects/
namespaces: "initial namespaces"): the control plane's objects and the API server's own live there."""

PLATFORM_NAMESPACES = ("external-secrets", "ingress-nginx", "cert-manager")
"""Namespaces the platform's own controllers take (External Secrets and Reloader, the ingress
controller, cert-manager): their RBAC and NetworkPolicies assume nothing else runs there."""


def _app_namespace(value: str) -> str:
    if value in RESERVED_NAMESPACES or value in PLATFORM_NAMESPACES:
        raise ValueError(
            "expected a namespace of its own: not one Kubernetes keeps for itself "
            f"({', '.join(RESERVED_NAMESPACES)}) nor one the platform's controllers take "
            f"({', '.join(PLATFORM_NAMESPACES)})"
        )
    return value


Namespace = Annotated[str, AfterValidator(_dns_label), AfterValidator(_app_namespace)]
"""A namespace for the stack's workloads, Secrets, BFF, CMS or Helm releases."""

HELM_RELEASE_NAME_MAX = 53
"""Helm refuses longer release names (helm/helm pkg/action/install.go: `releaseNameMaxLen`), since the
release name prefixes Kubernetes names that must stay within 63 characters."""


def _release_name(value: str) -> str:
    if len(value) > HELM_RELEASE_NAME_MAX:
        raise ValueError(f"a release name of at most {HELM_RELEASE_NAME_MAX} characters, as Helm accepts")
    return value


ReleaseName = Annotated[str, AfterValidator(_dns_label), AfterValidator(_release_name)]
SecretKey = Annotated[str, AfterValidator(_secret_key)]
ConfigKey = Annotated[str, AfterValidator(_config_key)]
Cidr = Annotated[str, AfterValidator(_cidr)]
RelativePath = Annotated[str, AfterValidator(_relative_path)]
RotationDays = Annotated[int, Field(ge=1, le=365)]


class Model(BaseModel):
    """Strict base: unknown keys are errors, values are immutable once validated."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        use_attribute_docstrings=True,
    )
