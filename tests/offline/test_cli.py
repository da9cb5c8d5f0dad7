"""The command line as a Pulumi user expects it: the project found upwards, the stack from -s,
PULUMI_STACK or the selected stack, options after the subcommand, distinct exit codes, JSON on
stdout, no traceback for a closed pipe, a missing folder or a bug."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from offline import cli, exits
from offline.cli import main
from tests.conftest import ROOT

STACK_FILE_MARK = "Offline plan of stack dev"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_a_wrong_command_line_exits_64_not_like_a_config_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["plan", "--no-such-option"])
    assert raised.value.code == exits.USAGE
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["--version"])
    assert raised.value.code == 0
    assert capsys.readouterr().out.startswith("secrets-platform ")


def test_every_option_goes_after_the_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "plan", "-s", "dev", "-C", str(ROOT), "--color", "never")
    assert code == 0 and out.startswith(STACK_FILE_MARK)


def test_the_project_is_found_upwards_from_a_subfolder(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT / "components" / "kubernetes")
    monkeypatch.delenv("SECRETS_PLATFORM_PROJECT", raising=False)
    code, out, _ = _run(capsys, "plan", "--stack", "dev")
    assert code == 0 and out.startswith(STACK_FILE_MARK)


def test_outside_any_project_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SECRETS_PLATFORM_PROJECT", raising=False)
    code, _, err = _run(capsys, "plan", "-s", "dev")
    assert code == exits.USAGE and "no Pulumi.yaml in" in err


def test_the_stack_comes_from_pulumi_stack(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_STACK", "prod")
    code, out, _ = _run(capsys, "plan", "-C", str(ROOT))
    assert code == 0 and out.startswith("Offline plan of stack prod")


def test_the_stack_comes_from_the_stack_pulumi_selected(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`pulumi stack select` writes $PULUMI_HOME/workspaces/<project>-<sha1(Pulumi.yaml path)>-workspace.json."""
    monkeypatch.delenv("PULUMI_STACK", raising=False)
    monkeypatch.setenv("PULUMI_HOME", str(tmp_path))
    digest = hashlib.sha1(str(ROOT / "Pulumi.yaml").encode()).hexdigest()
    (tmp_path / "workspaces").mkdir()
    (tmp_path / "workspaces" / f"secrets-platform-{digest}-workspace.json").write_text(
        json.dumps({"stack": "acme/prod"}), encoding="utf-8"
    )
    assert cli.selected_stack(ROOT) == "prod", "an organization's stack is named by its last part"
    code, out, _ = _run(capsys, "plan", "-C", str(ROOT))
    assert code == 0 and out.startswith("Offline plan of stack prod")


def test_no_stack_at_all_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PULUMI_STACK", raising=False)
    monkeypatch.setenv("PULUMI_HOME", str(tmp_path))
    code, _, err = _run(capsys, "plan", "-C", str(ROOT))
    assert code == exits.USAGE and "no stack selected: pass -s/--stack" in err


def test_json_on_stdout_is_the_versioned_plan(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "plan", "-s", "dev", "-C", str(ROOT), "--json")
    doc = json.loads(out)
    assert code == 0 and (doc["format"], doc["version"], doc["stack"]) == ("secrets-platform/plan", 1, "dev")


def test_out_dash_writes_the_plan_to_stdout_alone(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "plan", "-s", "dev", "-C", str(ROOT), "--out", "-")
    assert code == 0 and json.loads(out)["format"] == "secrets-platform/plan"


def test_a_missing_out_folder_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = _run(
        capsys, "plan", "-s", "dev", "-C", str(ROOT), "--out", str(tmp_path / "no" / "plan.json")
    )
    assert code == exits.BAD_INPUT
    assert (
        err.strip().splitlines()[-1]
        == f"error: --out {tmp_path / 'no' / 'plan.json'}: the folder {tmp_path / 'no'} does not exist"
    )


def test_a_mistyped_policy_config_is_refused_not_replaced_by_defaults(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = _run(
        capsys, "check", "-s", "prod", "-C", str(ROOT), "--policy-config", "policies/config/prd.json"
    )
    assert code == exits.BAD_INPUT and "--policy-config policies/config/prd.json: no such file" in err


def test_the_check_says_which_policy_config_it_used(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "check", "-s", "prod", "-C", str(ROOT))
    assert code == 0 and "policy config: policies/config/prod.json" in out


def test_schema_as_pulumi_yaml_is_yaml(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "schema", "-C", str(ROOT), "--format", "pulumi-yaml")
    assert code == 0
    block = yaml.safe_load(out)["config"]
    assert block["cloud"]["type"] == "string"


def test_glyphs_on_request_and_never_with_no_color(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, drawn, _ = _run(capsys, "plan", "-s", "dev", "-C", str(ROOT), "--color", "always")
    assert "└─ secrets-platform:platform:Platform" in drawn
    monkeypatch.setenv("NO_COLOR", "1")
    _, plain, _ = _run(capsys, "plan", "-s", "dev", "-C", str(ROOT))
    assert "└─" not in plain and "  secrets-platform:platform:Platform" in plain


def test_urns_on_demand(capsys: pytest.CaptureFixture[str]) -> None:
    _, short, _ = _run(capsys, "plan", "-s", "dev", "-C", str(ROOT))
    _, long, _ = _run(capsys, "plan", "-s", "dev", "-C", str(ROOT), "--urns")
    urn = "urn:pulumi:dev::secrets-platform::secrets-platform:platform:Platform::secrets"
    assert urn not in short and urn in long


def test_a_bug_is_one_line_and_exit_5(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("spcanary-dev-1-feedbeef went wrong")

    monkeypatch.setattr(cli, "make_plan", broken)
    monkeypatch.delenv("SECRETS_PLATFORM_DEBUG", raising=False)
    code, _, err = _run(capsys, "plan", "-s", "dev", "-C", str(ROOT))
    assert code == exits.INTERNAL
    assert err.startswith("internal error: RuntimeError: [secret] went wrong\n"), err
    assert "spcanary" not in err


def test_a_closed_pipe_ends_quietly() -> None:
    """`access | head -1`: the reader leaves; no BrokenPipeError traceback."""
    done = subprocess.run(
        f"'{sys.executable}' -m offline.cli access -s dev -C '{ROOT}' | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert done.stdout.strip(), "the first line arrived"
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
