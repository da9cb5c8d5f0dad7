"""Every resource policy looks at the resource type before it touches the properties.

The pack judges every resource with every policy (~80 of them): a policy that copies a resource's
properties (`plain()`) before asking whether it cares about that type does the work for nothing, on
every resource, in every preview. Here each policy judges resources of types it does not handle,
whose properties raise on any access; only policies that judge every resource of a provider (its tags,
a Kubernetes object's metadata) may read them, and only for that provider's types.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from policies import ALL_POLICIES
from policies._support import plain

PROVIDER_WIDE = {
    "kubernetes:": {"kubernetes-metadata-plaintext-secret"},
    "aws:": {"aws-resource-tags-plaintext-secret"},
    "azure-native:": {"azure-resource-tags-plaintext-secret"},
}
"""Policies that judge every resource of a provider, by the type prefix they judge."""
UNHANDLED_TYPES = [
    "example:index:Widget",
    "kubernetes:example.com/v1:Widget",
    "aws:example/widget:Widget",
    "azure-native:example:Widget",
    "random:index/randomUuid:RandomUuid",
    "vault:example/widget:Widget",
    "pulumi:providers:example",
]


class PropertiesRead(Exception):
    """A policy read the properties of a resource of a type it does not judge."""


class Untouchable(Mapping[str, Any]):
    def __getitem__(self, key: str) -> Any:
        raise PropertiesRead(key)

    def __iter__(self) -> Iterator[str]:
        raise PropertiesRead("(iterated)")

    def __len__(self) -> int:
        raise PropertiesRead("(measured)")


RESOURCE_POLICIES = [p for p in ALL_POLICIES if isinstance(p, ResourceValidationPolicy)]
OPTIONS = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def _reads(policy: ResourceValidationPolicy, resource_type: str) -> bool:
    """Whether the policy reads the properties of a resource of this type."""
    args = ResourceValidationArgs(
        resource_type, Untouchable(), f"urn:pulumi:s::p::{resource_type}::n", "n", OPTIONS, None, None, {}
    )
    try:
        policy.validate(args, lambda *_: None)
    except PropertiesRead:
        return True
    return False


@pytest.mark.parametrize("resource_type", UNHANDLED_TYPES)
def test_no_policy_reads_the_properties_of_a_type_it_does_not_judge(resource_type: str) -> None:
    allowed = next(
        (names for prefix, names in PROVIDER_WIDE.items() if resource_type.startswith(prefix)), set()
    )
    readers = {policy.name for policy in RESOURCE_POLICIES if _reads(policy, resource_type)}
    assert readers == allowed, f"{resource_type}: read by {sorted(readers - allowed)}"


def test_a_policy_that_copies_first_is_caught() -> None:
    def copies_first(args: ResourceValidationArgs, report: Any) -> None:
        props = plain(args.props)
        if args.resource_type == "kubernetes:core/v1:Secret" and props.get("type"):
            report("never")

    policy = ResourceValidationPolicy("copies-first", "Copies first.", copies_first)
    assert _reads(policy, "example:index:Widget")
