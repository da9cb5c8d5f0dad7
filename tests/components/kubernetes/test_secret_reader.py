"""SecretReader: a workload may `get` exactly its Secrets, through its own ServiceAccount."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from components.kubernetes.secret_reader import (
    SecretReader,
    SecretReaderArgs,
    check_reader_args,
)
from offline.runtime import Capture
from tests.components._support import by_name, refused, run

ROOT = Path(__file__).resolve().parents[3]
RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"


def _reader_args(**changes: Any) -> SecretReaderArgs:
    """The happy path: payments-api reading its three Secrets."""
    fields: dict[str, Any] = {
        "namespace": "payments",
        "service_account": "payments-api",
        "secret_names": ["payments-provider-v1", "payments-db-v1", "payments-ca-v1"],
        "workload": "payments-api",
    }
    return SecretReaderArgs(**{**fields, **changes})


def _reader(args: SecretReaderArgs) -> Capture:
    return run(lambda: SecretReader("r", args))


def test_reader_role_gets_exactly_the_granted_secrets() -> None:
    role = by_name(_reader(_reader_args()), "r-role")
    assert role.inputs["rules"] == [
        {
            "apiGroups": [""],
            "resources": ["secrets"],
            "resourceNames": ["payments-ca-v1", "payments-db-v1", "payments-provider-v1"],
            "verbs": ["get"],
        }
    ], f"{role.urn}: get on exactly the versioned names, nothing else"
    assert role.inputs["metadata"]["name"] == "payments-api-secret-reader", role.urn
    assert role.inputs["metadata"]["namespace"] == "payments", role.urn


def test_reader_binding_binds_only_the_workloads_service_account() -> None:
    capture = _reader(_reader_args())
    binding = by_name(capture, "r-binding")
    assert binding.inputs["subjects"] == [
        {"kind": "ServiceAccount", "name": "payments-api", "namespace": "payments"}
    ], f"{binding.urn}: one subject, the ServiceAccount"
    assert binding.inputs["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": "payments-api-secret-reader",
    }, f"{binding.urn}: a namespaced Role, never a ClusterRole"
    assert binding.parent == by_name(capture, "r-role").urn, f"{binding.urn} is nested under its Role"


def test_reader_without_secrets_is_refused_since_empty_resource_names_means_all() -> None:
    message, capture = refused(lambda: SecretReader("r", _reader_args(secret_names=[])))
    assert "declare no reader Role rather than an empty one" in message
    assert capture.resources == [], "nothing is declared for refused arguments"


@pytest.mark.parametrize(("names", "expected"), [(["*"], "without wildcards"), (["a-v1", "a-v1"], "twice")])
def test_reader_with_wildcard_or_duplicate_names_is_refused(names: list[str], expected: str) -> None:
    problems = check_reader_args(_reader_args(secret_names=names))
    assert len(problems) == 1 and expected in problems[0], problems


# --- SecretOperator ----------------------------------------------------------------------------------
