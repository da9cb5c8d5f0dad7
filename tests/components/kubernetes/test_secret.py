"""KubernetesSecret: immutable, versioned, values always secret, rotation create-before-delete; and the
canary check that no literal, file or generated value leaves a secret input of the whole plan."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.kubernetes.secret import KubernetesSecret, KubernetesSecretArgs, check_secret_args
from config.models import AnySecret, CloudSecret, FileSecret, GeneratedSecret, LiteralSecret
from offline.mocks import GENERATED_PREFIX
from offline.plan import capture_stack, find_leaks, make_plan, render_tree
from offline.runtime import Capture
from offline.stackfiles import PLACEHOLDER_PREFIX
from tests.components._support import by_name, refused, run
from tests.conftest import dev_stack

SECRET = "kubernetes:core/v1:Secret"
PASSWORD = "random:index/randomPassword:RandomPassword"
LITERAL_CANARY = "spcanary-t-1-0badf00d"
CANARIES = re.compile(f"({PLACEHOLDER_PREFIX}|{GENERATED_PREFIX})-")


def literal(**changes: Any) -> LiteralSecret:
    """The happy path: a literal secret of the payments service."""
    fields = {"name": "payments-provider", "source": "literal", "keys": {"api-key": "providerKey"}}
    return LiteralSecret.model_validate({**fields, **changes})


def generated(**changes: Any) -> GeneratedSecret:
    return GeneratedSecret.model_validate(
        {"name": "payments-db", "source": "generated", "keys": ["password"], **changes}
    )


def declare(entry: AnySecret, project_dir: Path = Path(".")) -> Callable[[], None]:
    def body() -> None:
        KubernetesSecret(
            "s",
            KubernetesSecretArgs(
                entry=entry,
                namespace="payments",
                literals={"providerKey": pulumi.Output.secret(LITERAL_CANARY)},
                project_dir=project_dir,
            ),
        )

    return body


def test_literal_secret_is_immutable_versioned_and_wholly_secret() -> None:
    capture = run(declare(literal()))
    secret = by_name(capture, "s-secret")
    metadata = secret.inputs["metadata"]
    assert metadata["name"] == "payments-provider-v1", f"{secret.urn}: name carries the version"
    assert metadata["namespace"] == "payments", secret.urn
    assert metadata["labels"]["secrets-platform/secret"] == "payments-provider", secret.urn
    assert secret.inputs["immutable"] is True, f"{secret.urn} must be immutable"
    assert secret.inputs["type"] == "Opaque", secret.urn
    assert secret.secret_paths == ["stringData"], f"{secret.urn}: the whole stringData is secret"
    assert secret.inputs["stringData"] == {"api-key": LITERAL_CANARY}, secret.urn
    assert secret.options["deleteBeforeReplace"] is False, f"{secret.urn}: rotation must create before delete"
    assert "data" in secret.options["additionalSecretOutputs"], f"{secret.urn}: provider outputs stay secret"
    assert find_leaks(capture) == []


def test_file_secret_value_is_secret() -> None:
    project_dir = Path(__file__).resolve().parents[3]
    entry = FileSecret.model_validate(
        {"name": "payments-ca", "source": "file", "keys": {"ca.crt": "certs/payments-ca.crt"}}
    )
    capture = run(declare(entry, project_dir))
    secret = by_name(capture, "s-secret")
    expected = (project_dir / "certs/payments-ca.crt").read_text(encoding="utf-8")
    assert secret.inputs["stringData"] == {"ca.crt": expected}, f"{secret.urn}: the file's content"
    assert secret.secret_paths == ["stringData"], f"{secret.urn}: file contents are secret"


def test_generated_secret_draws_a_secret_value_keyed_on_the_version() -> None:
    capture = run(declare(generated(length=40)))
    password = by_name(capture, "s-password")
    secret = by_name(capture, "s-secret")
    assert password.inputs["keepers"] == {"version": "1"}, f"{password.urn}: the version is the trigger"
    assert password.inputs["length"] == 40, password.urn
    assert password.inputs["special"] is False, password.urn
    assert "result" in password.options["additionalSecretOutputs"], f"{password.urn}: result is secret"
    assert secret.inputs["stringData"]["password"].startswith(f"{GENERATED_PREFIX}-"), secret.urn
    assert secret.secret_paths == ["stringData"], secret.urn
    assert find_leaks(capture) == []


def test_rotation_replaces_the_same_resource_with_a_new_name_create_before_delete() -> None:
    before = run(declare(generated(version=1)))
    after = run(declare(generated(version=2)))
    old, new = by_name(before, "s-secret"), by_name(after, "s-secret")
    assert old.urn == new.urn, "a rotation keeps the Secret's URN, so Pulumi replaces it in place"
    assert (old.inputs["metadata"]["name"], new.inputs["metadata"]["name"]) == (
        "payments-db-v1",
        "payments-db-v2",
    ), f"{new.urn}: the name changes, which forces a replacement"
    # deleteBeforeReplace false: Pulumi creates payments-db-v2, updates what references it, and
    # deletes payments-db-v1 last.
    assert new.options["deleteBeforeReplace"] is False, f"{new.urn}: create-before-delete"
    password_old, password_new = by_name(before, "s-password"), by_name(after, "s-password")
    assert password_old.urn == password_new.urn, "the password is replaced, not renamed"
    assert password_new.inputs["keepers"] == {"version": "2"}, (
        f"{password_new.urn}: a new version, a new value"
    )


def test_cloud_secret_is_refused_before_any_resource() -> None:
    entry = CloudSecret.model_validate({"name": "orders-queue", "source": "cloud", "keys": ["password"]})
    message, capture = refused(declare(entry))
    assert "cloud store delivers it" in message
    assert capture.resources == [], "nothing is declared for a refused secret"


def test_literal_without_its_secret_config_value_is_refused() -> None:
    entry = literal(keys={"api-key": "otherKey"})
    problems = check_secret_args(
        KubernetesSecretArgs(entry=entry, namespace="payments", literals={}, project_dir=Path("."))
    )
    assert problems == [
        "secret 'payments-provider': data key 'api-key' names config key 'otherKey', which was not read "
        "as a secret (`pulumi config set --secret` it and pass it in `literals`)"
    ]


def _secret_entry(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in doc["config"]["secrets-platform:secrets"] if s["name"] == name)


@pytest.fixture(scope="module")
def canary_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dev stack with a file secret whose content is a canary (literals and passwords already are)."""
    from tests.conftest import ROOT

    project_dir = tmp_path_factory.mktemp("canary")
    for name in ("Pulumi.yaml", "__main__.py"):
        (project_dir / name).write_bytes((ROOT / name).read_bytes())
    import shutil

    shutil.copytree(ROOT / "charts", project_dir / "charts")
    shutil.copytree(ROOT / "functions", project_dir / "functions")
    (project_dir / "certs").mkdir()
    (project_dir / "certs/rds-eu-west-1-ca.pem").write_bytes(
        (ROOT / "certs/rds-eu-west-1-ca.pem").read_bytes()
    )
    (project_dir / "certs/canary.pem").write_text(f"{PLACEHOLDER_PREFIX}-file-canary-1\n", encoding="utf-8")
    doc = dev_stack()
    _secret_entry(doc, "payments-ca")["keys"] = {"ca.crt": "certs/canary.pem"}
    import yaml

    (project_dir / "Pulumi.t.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    return project_dir


def _canaries_in_secret_inputs(capture: Capture) -> set[str]:
    found = set()
    for reg in capture.resources:
        if reg.type == SECRET and reg.secret_paths == ["stringData"]:
            found |= {v for v in reg.inputs["stringData"].values() if CANARIES.match(v)}
    return found


def test_no_literal_file_or_generated_value_leaves_a_secret_input(canary_project: Path) -> None:
    _, capture, _ = capture_stack(canary_project, "t")
    inside = _canaries_in_secret_inputs(capture)
    # The test can fail: each kind of canary really is in the program, inside a secret input.
    assert any(v.startswith(f"{PLACEHOLDER_PREFIX}-t-") for v in inside), "a literal canary reached a Secret"
    assert f"{PLACEHOLDER_PREFIX}-file-canary-1\n" in inside, "the file canary reached a Secret"
    assert any(v.startswith(f"{GENERATED_PREFIX}-") for v in inside), "a generated canary reached a Secret"
    assert find_leaks(capture) == []

    plan = make_plan(canary_project, "t")
    document = json.dumps(plan.to_json())
    assert not CANARIES.search(document), "a canary appears in the plan JSON"
    tree = io.StringIO()
    render_tree(plan, tree)
    assert "Secret" in tree.getvalue() and not CANARIES.search(tree.getvalue()), (
        "a canary in the printed tree"
    )
