"""AwsSecretStore under the offline engine: secrets on the store key, rotation for generated entries
through one Lambda whose role reaches exactly those secrets; and its argument checks without mocks."""

from __future__ import annotations

import json
import shutil
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.aws.secret_store import (
    BASIC_EXECUTION_POLICY,
    PACKAGE_PATH,
    AwsSecretStore,
    AwsSecretStoreArgs,
    check_store_args,
    rotation_function_name,
)
from config.models import CloudSecret
from functions.package import build_zip
from offline.plan import find_dropped, find_leaks
from offline.runtime import Capture
from tests.components._support import by_name, of_type, refused, run

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # parliament imports pkg_resources, which warns on import
    from parliament import analyze_policy_string, enhance_finding

ROOT = Path(__file__).resolve().parents[3]
CLUSTER = "secrets-dev"
REGION = "eu-west-1"
ACCOUNT = "111122223333"
STORE_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/5e1b0c0a-1234-4abc-8def-0123456789ab"
SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
FUNCTION = "aws:lambda/function:Function"


def cloud(name: str, **changes: Any) -> CloudSecret:
    return CloudSecret.model_validate({"name": name, "source": "cloud", "keys": ["password"], **changes})


ENTRIES = [
    cloud("payments-db", keys=["username", "password"], rotationDays=30, description="Payments database"),
    cloud("reporting-token", keys=["token"], rotationDays=7),
    cloud("partner-api", keys=["api-key"], generate=False),
]
"""The happy path: two generated entries (rotated at 30 and 7 days) and one that operators fill."""


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A project directory with the Lambda source, so the package is written under tmp, not the repo."""
    shutil.copytree(
        ROOT / "functions" / "secretsmanager_rotation",
        tmp_path / "functions" / "secretsmanager_rotation",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return tmp_path


def store_args(project_dir: Path, **changes: Any) -> AwsSecretStoreArgs:
    args = AwsSecretStoreArgs(
        entries=list(ENTRIES),
        cluster_name=CLUSTER,
        store_key_arn=STORE_KEY,
        recovery_window_days=7,
        project_dir=project_dir,
        region=REGION,
        account_id=ACCOUNT,
    )
    return replace(args, **changes)


def declare(args: AwsSecretStoreArgs, seen: dict[str, Any]) -> Callable[[], None]:
    """A program declaring the store; `seen` receives its resolved outputs."""

    def body() -> None:
        store = AwsSecretStore("store", args)
        pulumi.Output.all(**store.secret_arns).apply(lambda arns: seen.__setitem__("secret_arns", arns))
        for output in ("rotation_function_arn", "rotation_role_arn"):
            value = getattr(store, output)
            if value is None:
                seen[output] = None
            else:
                value.apply(lambda v, o=output: seen.__setitem__(o, v))

    return body


def happy(project_dir: Path) -> tuple[Capture, dict[str, Any]]:
    seen: dict[str, Any] = {}
    capture = run(declare(store_args(project_dir), seen))
    return capture, seen


def inline_policy(capture: Capture) -> str:
    role = by_name(capture, "store-rotation-role")
    policies = role.inputs["inlinePolicies"]
    assert len(policies) == 1, f"{role.urn}: one inline policy"
    return policies[0]["policy"]


# --- secrets -------------------------------------------------------------------------------------


def test_one_secret_per_entry_on_the_store_key_with_the_recovery_window(project_dir: Path) -> None:
    capture, seen = happy(project_dir)
    secrets = {r.name: r for r in of_type(capture, SECRET)}
    assert set(secrets) == {f"store-{e.name}" for e in ENTRIES}
    for entry in ENTRIES:
        secret = secrets[f"store-{entry.name}"]
        assert secret.inputs["name"] == f"{CLUSTER}/{entry.name}", secret.urn
        assert secret.inputs["kmsKeyId"] == STORE_KEY, f"{secret.urn} is encrypted with the store key"
        assert secret.inputs["recoveryWindowInDays"] == 7, secret.urn
        assert secret.inputs["description"], f"{secret.urn} has a description"
        assert secret.inputs["tags"]["secrets-platform/entry"] == entry.name, secret.urn
        assert secret.inputs["tags"]["secrets-platform/rotation-days"] == str(entry.rotation_days), secret.urn
        assert secret.secret_paths == [], f"{secret.urn}: nothing secret in the secret's own settings"
    assert secrets["store-payments-db"].inputs["description"] == "Payments database"
    assert set(seen["secret_arns"]) == {e.name for e in ENTRIES}
    assert seen["secret_arns"]["payments-db"].startswith(
        f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{CLUSTER}/payments-db-"
    )


def test_rotation_only_for_generated_entries_at_the_configured_days(project_dir: Path) -> None:
    capture, seen = happy(project_dir)
    rotations = {r.name: r for r in of_type(capture, ROTATION)}
    assert {name: r.inputs["rotationRules"]["automaticallyAfterDays"] for name, r in rotations.items()} == {
        "store-payments-db-rotation": 30,
        "store-reporting-token-rotation": 7,
    }
    for name, rotation in rotations.items():
        secret = by_name(capture, name.removesuffix("-rotation"))
        assert rotation.parent == secret.urn, f"{rotation.urn} is nested under its secret"
        assert rotation.property_dependencies["secretId"] == [secret.urn], rotation.urn
        assert rotation.inputs["rotationLambdaArn"] == seen["rotation_function_arn"], rotation.urn
        assert rotation.inputs["rotateImmediately"] is True, f"{rotation.urn}: the initial value is replaced"
        initial = by_name(capture, name.replace("-rotation", "-initial"))
        permission = by_name(capture, "store-rotation-invoke")
        assert {initial.urn, permission.urn} <= set(rotation.options["dependsOn"]), (
            f"{rotation.urn} waits for the initial value and the invoke permission"
        )
    assert not [r for r in capture.resources if "partner-api" in r.name and r.type != SECRET], (
        "the operator-filled entry gets its secret and nothing else"
    )


def test_initial_value_is_secret_random_and_left_to_the_rotation(project_dir: Path) -> None:
    capture, _ = happy(project_dir)
    versions = {r.name: r for r in of_type(capture, VERSION)}
    assert set(versions) == {"store-payments-db-initial", "store-reporting-token-initial"}
    version = versions["store-payments-db-initial"]
    assert version.secret_paths == ["secretString"], f"{version.urn}: the initial value is a Pulumi secret"
    assert set(json.loads(version.inputs["secretString"])) == {"username", "password"}, version.urn
    assert version.options["ignoreChanges"] == ["secretString", "versionStages"], (
        f"{version.urn}: the rotation owns the value after the first one"
    )
    password = by_name(capture, "store-payments-db-password")
    assert password.inputs["length"] == 32 and password.inputs["special"] is False, password.urn
    assert password.inputs["keepers"] == {"version": "1"}, password.urn
    assert find_leaks(capture) == []
    assert find_dropped(capture) == []


# --- the rotation Lambda -------------------------------------------------------------------------


def test_role_policy_lists_exactly_the_rotated_secrets_and_the_key_via_secrets_manager(
    project_dir: Path,
) -> None:
    capture, seen = happy(project_dir)
    document = json.loads(inline_policy(capture))
    rotated = sorted(seen["secret_arns"][name] for name in ("payments-db", "reporting-token"))
    assert document["Statement"] == [
        {
            "Sid": "RotateTheseSecrets",
            "Effect": "Allow",
            "Action": [
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
                "secretsmanager:PutSecretValue",
                "secretsmanager:UpdateSecretVersionStage",
            ],
            "Resource": rotated,
        },
        {
            "Sid": "UseStoreKeyThroughSecretsManager",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": STORE_KEY,
            "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}},
        },
    ], "the rotation role's inline policy"
    assert seen["secret_arns"]["partner-api"] not in json.dumps(document), "the operator-filled secret is out"


def test_role_policy_passes_parliament_without_findings(project_dir: Path) -> None:
    capture, _ = happy(project_dir)
    findings = analyze_policy_string(inline_policy(capture), include_community_auditors=True).findings
    described = [(enhance_finding(f).severity, f.issue, f.detail) for f in findings]
    assert described == [], "parliament findings on the rotation role's policy"


def test_role_trusts_lambda_and_gets_the_basic_execution_policy(project_dir: Path) -> None:
    capture, seen = happy(project_dir)
    role = by_name(capture, "store-rotation-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": ["sts:AssumeRole"]}
    ], role.urn
    attachment = by_name(capture, "store-rotation-role-logs")
    assert attachment.inputs["policyArn"] == BASIC_EXECUTION_POLICY and attachment.parent == role.urn
    assert seen["rotation_role_arn"].startswith(f"arn:aws:iam::{ACCOUNT}:role/"), "rotation_role_arn output"


def test_one_function_from_the_reproducible_package(project_dir: Path) -> None:
    capture, seen = happy(project_dir)
    functions = of_type(capture, FUNCTION)
    assert [f.name for f in functions] == ["store-rotation"], "one Lambda shared by every rotation"
    function = functions[0]
    inputs = function.inputs
    assert inputs["name"] == rotation_function_name(CLUSTER), function.urn
    assert inputs["runtime"] == "python3.12" and inputs["handler"] == "handler.lambda_handler", function.urn
    assert inputs["timeout"] == 30, function.urn
    assert inputs["environment"] == {"variables": {"PASSWORD_LENGTH": "32"}}, function.urn
    assert inputs["kmsKeyArn"] == STORE_KEY, f"{function.urn}: environment encrypted with the store key"
    assert 1 <= inputs["reservedConcurrentExecutions"] <= 10, f"{function.urn}: modest reserved concurrency"
    assert inputs["tracingConfig"] == {"mode": "PassThrough"}, f"{function.urn}: tracing off"
    assert inputs["code"]["path"] == str(project_dir / PACKAGE_PATH), f"{function.urn}: the package in out/"
    expected = build_zip(project_dir / "functions" / "secretsmanager_rotation", project_dir / "again.zip")
    assert inputs["codeSha256"] == expected, f"{function.urn}: the hash of the reproducible zip"
    assert (project_dir / "again.zip").read_bytes() == (project_dir / PACKAGE_PATH).read_bytes()
    assert inputs["role"] == seen["rotation_role_arn"], function.urn
    assert seen["rotation_function_arn"].endswith(f":function:{rotation_function_name(CLUSTER)}")


def test_log_group_is_encrypted_kept_a_year_and_exists_before_the_function(project_dir: Path) -> None:
    capture, _ = happy(project_dir)
    logs = by_name(capture, "store-rotation-logs")
    assert logs.inputs == {
        "name": f"/aws/lambda/{rotation_function_name(CLUSTER)}",
        "kmsKeyId": STORE_KEY,
        "retentionInDays": 365,
    }, logs.urn
    function = by_name(capture, "store-rotation")
    assert logs.urn in function.options["dependsOn"], f"{function.urn} waits for its log group"
    assert function.inputs["loggingConfig"]["logGroup"] == logs.inputs["name"], function.urn


def test_only_secrets_manager_of_this_account_may_invoke_the_function(project_dir: Path) -> None:
    capture, _ = happy(project_dir)
    permission = by_name(capture, "store-rotation-invoke")
    assert permission.inputs == {
        "action": "lambda:InvokeFunction",
        "function": rotation_function_name(CLUSTER),
        "principal": "secretsmanager.amazonaws.com",
        "sourceAccount": ACCOUNT,
    }, permission.urn


def test_without_generated_entries_there_is_no_rotation_machinery(project_dir: Path) -> None:
    seen: dict[str, Any] = {}
    capture = run(declare(store_args(project_dir, entries=[ENTRIES[2]]), seen))
    assert sorted(r.type for r in capture.resources if r.custom) == [SECRET]
    assert seen["rotation_function_arn"] is None and seen["rotation_role_arn"] is None
    assert not (project_dir / PACKAGE_PATH).exists(), "no package is built when nothing rotates"


def test_password_length_reaches_the_initial_values_and_the_function(project_dir: Path) -> None:
    capture = run(declare(store_args(project_dir, password_length=48), {}))
    assert by_name(capture, "store-reporting-token-token").inputs["length"] == 48
    assert by_name(capture, "store-rotation").inputs["environment"]["variables"]["PASSWORD_LENGTH"] == "48"


# --- argument checks (pure, no mocks) -------------------------------------------------------------


def test_happy_path_arguments_have_no_problem(project_dir: Path) -> None:
    assert check_store_args(store_args(project_dir)) == []


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"entries": [cloud("vault-db", store="hashicorp-vault")]}, "kept in store 'hashicorp-vault'"),
        ({"entries": [cloud("dup"), cloud("dup")]}, "'dup' is listed twice"),
        ({"entries": [cloud("login", keys=["username"])]}, "only keys the rotation keeps"),
        ({"recovery_window_days": 5}, "allows 7 to 30"),
        ({"password_length": 8}, "use 16 to 4096"),
        ({"region": "Europe"}, "not an AWS region"),
        ({"account_id": "1234"}, "not a 12-digit AWS account"),
        ({"cluster_name": "c" * 60}, "longer than 64 characters"),
    ],
)
def test_contradictory_arguments_are_refused(
    project_dir: Path, changes: dict[str, Any], problem: str
) -> None:
    problems = check_store_args(store_args(project_dir, **changes))
    assert any(problem in p for p in problems), problems


def test_missing_lambda_source_is_refused(tmp_path: Path) -> None:
    problems = check_store_args(store_args(tmp_path))
    assert problems == [
        f"the rotation Lambda source {tmp_path}/functions/secretsmanager_rotation/handler.py does not exist"
    ]


def test_refused_before_any_resource_exists(project_dir: Path) -> None:
    message, capture = refused(declare(store_args(project_dir, recovery_window_days=0), {}))
    assert "allows 7 to 30" in message
    assert [r for r in capture.resources if r.custom] == [], "no resource before the refusal"


def test_rotation_log_group_is_the_one_the_store_key_admits() -> None:
    from components.aws.foundation import rotation_log_group_name
    from components.aws.secret_store import rotation_function_name

    assert rotation_log_group_name("c") == f"/aws/lambda/{rotation_function_name('c')}"
