"""The rotation Lambda against moto's Secrets Manager, for real: every call goes through boto3.

Two drivers. `rotate_secret` runs the whole protocol the way the service does: moto invokes the
function for the four steps, with its Lambda backend patched to call the handler in-process
(moto would run it in Docker, which CI machines lack). The direct tests call the handler
one step at a time, as Secrets Manager would, and check the staging labels after each.
moto leaves AWSPENDING on the new version after finishSecret (the service removes it);
the handler removes it itself, so a second rotation runs without help on both.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from moto import mock_aws
from moto.awslambda_simple.models import LambdaSimpleBackend

from functions.package import build_zip
from functions.secretsmanager_rotation import handler

REGION = "eu-west-1"
SOURCE = Path(__file__).resolve().parents[2] / "functions" / "secretsmanager_rotation"
USERNAME = "svcpayments"
INITIAL = {"username": USERNAME, "password": "initial-password-0123456789abcdef"}


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and the test region: boto3 must never find real ones, and no call leaves moto."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "SECRETS_MANAGER_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.delenv("PASSWORD_LENGTH", raising=False)


@pytest.fixture
def sm(aws_env: None) -> Iterator[Any]:
    """A Secrets Manager client on moto, with Lambda run without Docker."""
    with mock_aws(config={"lambda": {"use_docker": False}}):
        yield boto3.client("secretsmanager", region_name=REGION)


@pytest.fixture
def lambda_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Events moto sends to the rotation Lambda; each is handled in-process by our handler."""
    calls: list[dict[str, Any]] = []

    def invoke(self: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any):
        event = json.loads(body)
        calls.append(event)
        handler.lambda_handler(event, None)
        return b""

    monkeypatch.setattr(LambdaSimpleBackend, "invoke", invoke)
    return calls


@pytest.fixture
def recorded_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Events moto sends to the rotation Lambda, recorded but not run (for the direct tests)."""
    calls: list[dict[str, Any]] = []

    def invoke(self: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any):
        calls.append(json.loads(body))
        return b""

    monkeypatch.setattr(LambdaSimpleBackend, "invoke", invoke)
    return calls


def rotation_function(tmp_path: Path) -> str:
    """The Lambda, created in moto from our own reproducible package; returns its ARN."""
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(
        RoleName="rotation",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    package = tmp_path / "rotation.zip"
    build_zip(SOURCE, package)
    function = boto3.client("lambda", region_name=REGION).create_function(
        FunctionName="secrets-dev-secret-rotation",
        Runtime="python3.12",
        Role=role,
        Handler="handler.lambda_handler",
        Code={"ZipFile": package.read_bytes()},
        Timeout=30,
    )
    return function["FunctionArn"]


def create_secret(
    sm: Any, value: dict[str, str] | str = INITIAL, name: str = "secrets-dev/payments-db"
) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return sm.create_secret(Name=name, SecretString=text)["ARN"]


def stages(sm: Any, arn: str) -> dict[str, list[str]]:
    return sm.describe_secret(SecretId=arn)["VersionIdsToStages"]


def version_with(sm: Any, arn: str, stage: str) -> str:
    found = [version for version, labels in stages(sm, arn).items() if stage in labels]
    assert len(found) == 1, f"{arn}: expected one version labelled {stage}, got {stages(sm, arn)}"
    return found[0]


def value(sm: Any, arn: str, stage: str = "AWSCURRENT", version: str | None = None) -> dict[str, str]:
    kwargs = {"SecretId": arn, "VersionStage": stage}
    if version:
        kwargs["VersionId"] = version
    return json.loads(sm.get_secret_value(**kwargs)["SecretString"])


def rotate(sm: Any, arn: str, function_arn: str, token: str | None = None) -> None:
    kwargs: dict[str, Any] = {
        "SecretId": arn,
        "RotationLambdaARN": function_arn,
        "RotationRules": {"AutomaticallyAfterDays": 30},
    }
    if token:
        kwargs["ClientRequestToken"] = token
    sm.rotate_secret(**kwargs)


def pending_rotation(sm: Any, arn: str, function_arn: str, recorded: list[dict[str, Any]]) -> str:
    """Start a rotation whose Lambda calls are only recorded; return its token (the AWSPENDING version)."""
    token = str(uuid.uuid4())
    rotate(sm, arn, function_arn, token)
    assert [call["Step"] for call in recorded] == list(handler.STEPS), "moto sends the four steps in order"
    assert {call["ClientRequestToken"] for call in recorded} == {token}
    recorded.clear()
    assert stages(sm, arn)[token] == ["AWSPENDING"], f"{arn}: the token is staged AWSPENDING"
    return token


def step(name: str, arn: str, token: str) -> None:
    handler.lambda_handler({"Step": name, "SecretId": arn, "ClientRequestToken": token}, None)


def assert_rotated(old: dict[str, str], new: dict[str, str], length: int = 32) -> None:
    assert set(new) == set(old), "the rotated value has exactly the catalogue keys"
    assert new["username"] == old["username"], "username survives rotation"
    for key in set(new) - {"username"}:
        assert new[key] != old[key], f"{key} has a new value"
        assert len(new[key]) == length and new[key].isalnum(), f"{key}: {length} letters and digits"


# --- the whole protocol, driven by rotate_secret --------------------------------------------


def test_rotate_secret_runs_the_four_steps_and_moves_the_labels(
    sm: Any, lambda_calls: list[dict[str, Any]], tmp_path: Path
) -> None:
    function_arn = rotation_function(tmp_path)
    arn = create_secret(sm)
    first = version_with(sm, arn, "AWSCURRENT")

    rotate(sm, arn, function_arn)

    assert [call["Step"] for call in lambda_calls] == list(handler.STEPS)
    token = lambda_calls[0]["ClientRequestToken"]
    assert version_with(sm, arn, "AWSCURRENT") == token, f"{arn}: AWSCURRENT moved to the new version"
    assert version_with(sm, arn, "AWSPREVIOUS") == first, f"{arn}: the old version stays AWSPREVIOUS"
    assert value(sm, arn, "AWSPREVIOUS") == INITIAL, f"{arn}: the previous value is intact"
    assert_rotated(INITIAL, value(sm, arn))
    assert sm.describe_secret(SecretId=arn)["RotationEnabled"] is True


def test_a_second_rotation_draws_new_values_again(
    sm: Any, lambda_calls: list[dict[str, Any]], tmp_path: Path
) -> None:
    function_arn = rotation_function(tmp_path)
    arn = create_secret(sm, {"username": USERNAME, "password": "p" * 32, "api-key": "k" * 32})
    rotate(sm, arn, function_arn)
    once = value(sm, arn)
    first_token = version_with(sm, arn, "AWSCURRENT")
    assert "AWSPENDING" not in str(stages(sm, arn)), f"{arn}: finishSecret removed AWSPENDING"

    rotate(sm, arn, function_arn)

    twice = value(sm, arn)
    assert len({call["ClientRequestToken"] for call in lambda_calls}) == 2, "each rotation has its own token"
    assert version_with(sm, arn, "AWSPREVIOUS") == first_token, f"{arn}: the first rotation is now previous"
    assert value(sm, arn, "AWSPREVIOUS") == once
    assert_rotated(once, twice)
    assert twice["password"] != "p" * 32 and twice["api-key"] != "k" * 32


def test_password_length_comes_from_the_environment(
    sm: Any, lambda_calls: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PASSWORD_LENGTH", "48")
    function_arn = rotation_function(tmp_path)
    arn = create_secret(sm)
    rotate(sm, arn, function_arn)
    assert_rotated(INITIAL, value(sm, arn), length=48)


def test_logs_name_steps_and_arns_but_never_a_value(
    sm: Any, lambda_calls: list[dict[str, Any]], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    function_arn = rotation_function(tmp_path)
    arn = create_secret(sm)
    with caplog.at_level(logging.INFO, logger=handler.logger.name):
        rotate(sm, arn, function_arn)
    text = "\n".join(record.getMessage() for record in caplog.records if record.name == handler.logger.name)
    for name in handler.STEPS:
        assert f"{name}: " in text, f"the {name} step is logged"
    assert arn in text
    for secret in (*INITIAL.values(), *value(sm, arn).values()):
        if secret != USERNAME:
            assert secret not in text, "a secret value was logged"


# --- the four steps, called one by one -----------------------------------------------------


def test_each_step_called_directly_moves_the_version_through_the_protocol(
    sm: Any, recorded_calls: list[dict[str, Any]], tmp_path: Path
) -> None:
    arn = create_secret(sm)
    first = version_with(sm, arn, "AWSCURRENT")
    token = pending_rotation(sm, arn, rotation_function(tmp_path), recorded_calls)

    step("createSecret", arn, token)
    created = value(sm, arn, "AWSPENDING", token)
    assert_rotated(INITIAL, created)
    assert version_with(sm, arn, "AWSCURRENT") == first, f"{arn}: createSecret leaves AWSCURRENT alone"

    step("createSecret", arn, token)
    assert value(sm, arn, "AWSPENDING", token) == created, "createSecret is idempotent for a token"

    step("setSecret", arn, token)
    step("testSecret", arn, token)
    assert stages(sm, arn)[token] == ["AWSPENDING"], f"{arn}: set and test change no label"
    assert value(sm, arn) == INITIAL

    step("finishSecret", arn, token)
    assert version_with(sm, arn, "AWSCURRENT") == token
    assert version_with(sm, arn, "AWSPREVIOUS") == first
    assert value(sm, arn) == created and value(sm, arn, "AWSPREVIOUS") == INITIAL

    before = stages(sm, arn)
    step("finishSecret", arn, token)
    step("createSecret", arn, token)
    assert stages(sm, arn) == before, f"{arn}: a step retried after finishSecret changes nothing"
    assert value(sm, arn) == created


def test_set_secret_refuses_a_token_without_a_pending_value(
    sm: Any, recorded_calls: list[dict[str, Any]], tmp_path: Path
) -> None:
    arn = create_secret(sm)
    token = pending_rotation(sm, arn, rotation_function(tmp_path), recorded_calls)
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        step("setSecret", arn, token)
    assert value(sm, arn) == INITIAL


def test_test_secret_refuses_a_pending_value_without_every_key(
    sm: Any, recorded_calls: list[dict[str, Any]], tmp_path: Path
) -> None:
    arn = create_secret(sm)
    token = pending_rotation(sm, arn, rotation_function(tmp_path), recorded_calls)
    sm.put_secret_value(
        SecretId=arn,
        ClientRequestToken=token,
        SecretString=json.dumps({"username": USERNAME}),
        VersionStages=["AWSPENDING"],
    )
    with pytest.raises(ValueError, match="missing \\['password'\\]"):
        step("testSecret", arn, token)
    assert value(sm, arn) == INITIAL


def test_test_secret_refuses_a_value_of_the_wrong_length(
    sm: Any, recorded_calls: list[dict[str, Any]], tmp_path: Path
) -> None:
    arn = create_secret(sm)
    token = pending_rotation(sm, arn, rotation_function(tmp_path), recorded_calls)
    sm.put_secret_value(
        SecretId=arn,
        ClientRequestToken=token,
        SecretString=json.dumps({"username": USERNAME, "password": "short"}),
        VersionStages=["AWSPENDING"],
    )
    with pytest.raises(ValueError, match="not 32 letters and digits"):
        step("testSecret", arn, token)
    assert value(sm, arn) == INITIAL


# --- bad events are refused, the current value intact ----------------------------------------


def test_unknown_step_is_refused(sm: Any, recorded_calls: list[dict[str, Any]], tmp_path: Path) -> None:
    arn = create_secret(sm)
    token = pending_rotation(sm, arn, rotation_function(tmp_path), recorded_calls)
    with pytest.raises(ValueError, match="unknown rotation step 'deleteSecret'"):
        step("deleteSecret", arn, token)
    assert value(sm, arn) == INITIAL


def test_event_without_a_token_is_refused(sm: Any) -> None:
    arn = create_secret(sm)
    with pytest.raises(ValueError, match="ClientRequestToken"):
        handler.lambda_handler({"Step": "createSecret", "SecretId": arn}, None)
    assert value(sm, arn) == INITIAL


def test_wrong_token_is_refused(sm: Any, recorded_calls: list[dict[str, Any]], tmp_path: Path) -> None:
    arn = create_secret(sm)
    pending_rotation(sm, arn, rotation_function(tmp_path), recorded_calls)
    before = stages(sm, arn)
    with pytest.raises(ValueError, match="has no stage for rotation"):
        step("createSecret", arn, str(uuid.uuid4()))
    assert stages(sm, arn) == before
    assert value(sm, arn) == INITIAL


def test_secret_without_rotation_enabled_is_refused(sm: Any) -> None:
    arn = create_secret(sm)
    token = str(uuid.uuid4())
    sm.put_secret_value(
        SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(INITIAL), VersionStages=["AWSPENDING"]
    )
    assert sm.describe_secret(SecretId=arn).get("RotationEnabled") is not True
    for name in handler.STEPS:
        with pytest.raises(ValueError, match="not enabled for rotation"):
            step(name, arn, token)
    assert value(sm, arn) == INITIAL
    assert "AWSCURRENT" not in stages(sm, arn)[token]


def test_token_that_is_not_pending_is_refused(
    sm: Any, lambda_calls: list[dict[str, Any]], tmp_path: Path
) -> None:
    arn = create_secret(sm)
    first = version_with(sm, arn, "AWSCURRENT")
    rotate(sm, arn, rotation_function(tmp_path))
    current = value(sm, arn)
    with pytest.raises(ValueError, match="is not set as AWSPENDING"):
        step("finishSecret", arn, first)
    assert version_with(sm, arn, "AWSPREVIOUS") == first, f"{arn}: the previous version keeps its label"
    assert value(sm, arn) == current


def test_token_already_current_is_a_no_op(
    sm: Any, lambda_calls: list[dict[str, Any]], tmp_path: Path
) -> None:
    arn = create_secret(sm)
    rotate(sm, arn, rotation_function(tmp_path))
    current = version_with(sm, arn, "AWSCURRENT")
    before, rotated = stages(sm, arn), value(sm, arn)
    step("createSecret", arn, current)
    assert stages(sm, arn) == before and value(sm, arn) == rotated


def test_secret_that_is_not_a_json_object_is_refused(
    sm: Any, recorded_calls: list[dict[str, Any]], tmp_path: Path
) -> None:
    arn = create_secret(sm, "not json")
    token = pending_rotation(sm, arn, rotation_function(tmp_path), recorded_calls)
    with pytest.raises(ValueError, match="not a non-empty JSON object") as raised:
        step("createSecret", arn, token)
    assert "not json" not in str(raised.value), "the error never shows the value"
    assert sm.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"] == "not json"


@pytest.mark.parametrize("setting", ["8", "5000", "thirty"])
def test_bad_password_length_is_refused_before_anything_is_written(
    sm: Any,
    recorded_calls: list[dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
) -> None:
    arn = create_secret(sm)
    token = pending_rotation(sm, arn, rotation_function(tmp_path), recorded_calls)
    monkeypatch.setenv("PASSWORD_LENGTH", setting)
    with pytest.raises(ValueError, match="PASSWORD_LENGTH"):
        step("createSecret", arn, token)
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        value(sm, arn, "AWSPENDING", token)
    assert value(sm, arn) == INITIAL


# --- no order of calls makes an invalid version current ----------------------------------------


def test_finish_straight_after_the_rotation_starts_is_refused(
    sm: Any, recorded_calls: list[dict[str, Any]], tmp_path: Path
) -> None:
    """finishSecret re-checks the pending version: skipping createSecret cannot promote it."""
    arn = create_secret(sm)
    first = version_with(sm, arn, "AWSCURRENT")
    token = pending_rotation(sm, arn, rotation_function(tmp_path), recorded_calls)

    with pytest.raises(ValueError, match=r"^finishSecret: "):
        step("finishSecret", arn, token)

    assert version_with(sm, arn, "AWSCURRENT") == first, f"{arn}: AWSCURRENT did not move"
    assert value(sm, arn) == INITIAL


def test_finish_refuses_a_pending_version_with_a_changed_username(
    sm: Any, recorded_calls: list[dict[str, Any]], tmp_path: Path
) -> None:
    arn = create_secret(sm)
    first = version_with(sm, arn, "AWSCURRENT")
    token = pending_rotation(sm, arn, rotation_function(tmp_path), recorded_calls)
    step("createSecret", arn, token)
    tampered = {**value(sm, arn, "AWSPENDING", token), "username": "intruder"}
    other = str(uuid.uuid4())
    sm.put_secret_value(
        SecretId=arn,
        ClientRequestToken=other,
        SecretString=json.dumps(tampered),
        VersionStages=["AWSPENDING"],
    )

    with pytest.raises(ValueError, match=r"finishSecret: key 'username' .* changed"):
        step("finishSecret", arn, other)

    assert version_with(sm, arn, "AWSCURRENT") == first and value(sm, arn) == INITIAL


def test_a_rotation_stuck_on_an_abandoned_pending_version_recovers_as_documented(
    sm: Any, lambda_calls: list[dict[str, Any]], tmp_path: Path
) -> None:
    """An abandoned rotation leaves AWSPENDING on a version; it can never become current, and the
    handler docstring's two commands get rotation going again."""
    function_arn = rotation_function(tmp_path)
    arn = create_secret(sm)
    rotate(sm, arn, function_arn)
    rotated = value(sm, arn)
    abandoned = str(uuid.uuid4())
    sm.put_secret_value(
        SecretId=arn,
        ClientRequestToken=abandoned,
        SecretString=json.dumps(INITIAL),
        VersionStages=["AWSPENDING"],
    )
    with pytest.raises(ValueError, match=r"^finishSecret: key 'password' .* is not 32 letters and digits$"):
        step("finishSecret", arn, abandoned)
    assert value(sm, arn) == rotated, f"{arn}: AWSCURRENT untouched by the stuck state"

    # The documented recovery: remove the label from the abandoned version, then rotate.
    sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=abandoned)
    rotate(sm, arn, function_arn)

    assert_rotated(rotated, value(sm, arn))
    assert "AWSPENDING" not in str(stages(sm, arn)), f"{arn}: no rotation is left in progress"


class RotationSequences(RuleBasedStateMachine):
    """Any sequence of steps, tokens (real, replayed, unknown) and outside writes of pending versions:
    AWSCURRENT always holds a complete, well-formed value with the original username."""

    rotated = 0
    """States seen with a rotated AWSCURRENT: proves the sequences reach real rotations."""

    def __init__(self) -> None:
        super().__init__()
        self._mock = mock_aws(config={"lambda": {"use_docker": False}})
        self._mock.start()
        self.sm = boto3.client("secretsmanager", region_name=REGION)
        self.arn = create_secret(self.sm)
        self.tokens: list[str] = [version_with(self.sm, self.arn, "AWSCURRENT")]

    def teardown(self) -> None:
        self._mock.stop()

    @initialize()
    def enable_rotation(self) -> None:
        iam = boto3.client("iam", region_name=REGION)
        iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")
        function = boto3.client("lambda", region_name=REGION).create_function(
            FunctionName="rotation",
            Runtime="python3.12",
            Role="arn:aws:iam::123456789012:role/r",
            Handler="handler.lambda_handler",
            Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
        )
        self.function_arn = function["FunctionArn"]
        self.start_rotation()  # enables rotation, as the platform's SecretRotation does

    @rule()
    def start_rotation(self) -> None:
        token = str(uuid.uuid4())
        try:
            rotate(self.sm, self.arn, self.function_arn, token)
        except self.sm.exceptions.ClientError:
            return  # the service refuses a rotation while another is in progress
        self.tokens.append(token)

    @rule(step_name=st.sampled_from(handler.STEPS), pick=st.integers(min_value=0, max_value=8))
    def call_step(self, step_name: str, pick: int) -> None:
        token = self.tokens[pick % len(self.tokens)] if pick < 7 else str(uuid.uuid4())
        # A refusal is fine: the invariant below says what must still hold.
        with contextlib.suppress(ValueError, self.sm.exceptions.ClientError):
            step(step_name, self.arn, token)

    @rule()
    def complete_the_latest_rotation(self) -> None:
        for step_name in handler.STEPS:
            with contextlib.suppress(ValueError, self.sm.exceptions.ClientError):
                step(step_name, self.arn, self.tokens[-1])

    @rule(bad=st.sampled_from(["short", "", "with-dash-0123456789abcdefghijklm", None]))
    def outsider_writes_a_pending_version(self, bad: str | None) -> None:
        token = str(uuid.uuid4())
        body = {"username": USERNAME} if bad is None else {"username": USERNAME, "password": bad}
        try:
            self.sm.put_secret_value(
                SecretId=self.arn,
                ClientRequestToken=token,
                SecretString=json.dumps(body),
                VersionStages=["AWSPENDING"],
            )
        except self.sm.exceptions.ClientError:
            return
        self.tokens.append(token)

    @invariant()
    def current_is_always_valid(self) -> None:
        current = value(self.sm, self.arn)
        assert set(current) == set(INITIAL), f"{self.arn}: AWSCURRENT has exactly the catalogue keys"
        assert current["username"] == USERNAME, f"{self.arn}: the username never changes"
        password = current["password"]
        assert password == INITIAL["password"] or (len(password) == 32 and password.isalnum()), (
            f"{self.arn}: AWSCURRENT's password is the initial one or a well-formed rotated one"
        )
        if password != INITIAL["password"]:
            RotationSequences.rotated += 1


@pytest.mark.usefixtures("aws_env")
def test_no_sequence_of_calls_leaves_awscurrent_invalid(recorded_calls: list[dict[str, Any]]) -> None:
    RotationSequences.rotated = 0
    run_state_machine_as_test(
        RotationSequences,
        settings=settings(
            max_examples=25, stateful_step_count=12, deadline=None, derandomize=True, database=None
        ),
    )
    assert RotationSequences.rotated > 0, "no generated sequence completed a rotation"
