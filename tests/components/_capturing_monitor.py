"""A mock monitor that keeps every registration with its resource options, for component tests that
use Pulumi's own `set_mocks` (as in Pulumi's testing-unit-py example) rather than the plan engine,
and the helpers those tests share (the foundation tests of both clouds)."""

from __future__ import annotations

import asyncio
import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor


@dataclass
class Registration:
    """One resource registration as the engine would receive it."""

    type: str
    name: str
    urn: str
    inputs: dict[str, Any]
    """Inputs on the wire: camelCase keys, secrets wrapped (see `rpc.is_rpc_secret`)."""
    protect: bool
    dependencies: list[str]


class CapturingMonitor(MockMonitor):
    """A mock monitor that keeps every registration with its resource options."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: dict[tuple[str, str], Registration] = {}

    def RegisterResource(self, request: Any) -> Any:  # named as the gRPC method it overrides
        response = super().RegisterResource(request)  # also makes sure this thread has an event loop
        self.registrations[(request.type, request.name)] = Registration(
            type=request.type,
            name=request.name,
            urn=response.urn,
            inputs=rpc.deserialize_properties(request.object),
            protect=request.protect,
            dependencies=list(request.dependencies),
        )
        return response

    def get(self, type_: str, name: str) -> Registration:
        found = self.registrations.get((type_, name))
        assert found is not None, f"{type_} {name} was never registered"
        return found


T = TypeVar("T")


def install(mocks: pulumi.runtime.Mocks) -> CapturingMonitor:
    """Make `mocks` the runtime's, behind a fresh `CapturingMonitor` (for a module-scoped fixture)."""
    pulumi.runtime.reset_options()  # a root stack left by an earlier test module is not ours
    asyncio.set_event_loop(asyncio.new_event_loop())  # an earlier module may have left none set
    capturing = CapturingMonitor(mocks)
    pulumi.runtime.set_mocks(
        mocks, project="secrets-platform", stack="test", preview=False, monitor=capturing
    )
    return capturing


def declare(build: Callable[[], T]) -> T:
    """Declare under the mock runtime and return once every registration is done.

    For resources no output of the component leads to (aliases, role assignments):
    `pulumi.runtime.test` drains every outstanding RPC before it returns, so the monitor has seen them all.
    """
    built: list[T] = []

    @pulumi.runtime.test
    def program() -> None:
        built.append(build())

    program()
    return built[0]


def merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of `base` with `changes` merged in, map by map (anything else replaces)."""
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def fake_uuid(name: str) -> str:
    """A UUID-shaped id derived from `name`, stable across runs."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"
