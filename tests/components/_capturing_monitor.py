"""A mock monitor that keeps every registration with its resource options, for component tests that
use Pulumi's own `set_mocks` (as in Pulumi's testing-unit-py example) rather than the plan engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
