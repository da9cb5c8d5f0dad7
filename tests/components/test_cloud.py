"""Every cloud backend offers the whole interface of `components/cloud.py`, with the same parameters,
so `platform.py` never asks which cloud it is on; the Vault backend offers the store part of it."""

from __future__ import annotations

import inspect

import pytest

from components.aws.backend import AwsBackend
from components.azure.backend import AzureBackend
from components.cloud import CloudBackend
from components.vault.backend import VaultBackend

STORE_PART = ("secret_store", "workload_identity", "audit", "secret_delivery")
"""What a store that is not a cloud (Vault) offers: it has no cluster, database or edge of its own."""


def _methods(protocol: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(protocol).items()
        if callable(member) and not name.startswith("_")
    }


@pytest.mark.parametrize("backend", [AwsBackend, AzureBackend], ids=["aws", "azure"])
def test_each_cloud_backend_offers_every_part_with_the_same_parameters(backend: type) -> None:
    for name, signature in _methods(CloudBackend).items():
        assert hasattr(backend, name), f"{backend.__name__} lacks {name}()"
        got = list(inspect.signature(getattr(backend, name)).parameters)
        assert got == list(signature.parameters), f"{backend.__name__}.{name}{got} != the interface's"


def test_the_vault_backend_offers_the_store_part() -> None:
    protocol = _methods(CloudBackend)
    for name in STORE_PART:
        assert hasattr(VaultBackend, name), f"VaultBackend lacks {name}()"
        got = list(inspect.signature(getattr(VaultBackend, name)).parameters)
        assert got == list(protocol[name].parameters), f"VaultBackend.{name}{got} != the interface's"
