"""bff/Dockerfile and the BFF's dependencies: lint, pins, the entry point the tests use, the user the
chart runs, and one set of versions shared by the image's lock and the project's."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.bff._bff import ENTRY_POINT

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "bff" / "Dockerfile"
HADOLINT = Path(sys.executable).parent / "hadolint"


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def final_stage(text: str) -> list[tuple[str, str]]:
    steps = instructions(text)
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


def locked(path: Path) -> dict[str, str]:
    """name -> version of a `uv pip compile` lock."""
    pins = re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", path.read_text(encoding="utf-8"), re.MULTILINE)
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in pins}


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run(
        [str(HADOLINT), "--no-color", "--format", "json", str(DOCKERFILE)], capture_output=True, text=True
    )
    assert result.returncode == 0 and json.loads(result.stdout or "[]") == [], result.stdout + result.stderr


def test_every_base_image_is_pinned_by_a_cited_digest() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    lines = text.splitlines()
    froms = [i for i, line in enumerate(lines) if line.startswith("FROM ")]
    assert len(froms) == 2, "a build stage and a runtime stage"
    for index in froms:
        image = lines[index].split()[1]
        assert re.fullmatch(r"[a-z0-9./-]+:[a-z0-9.-]+@sha256:[0-9a-f]{64}", image), image
        comment = " ".join(line for line in lines[max(0, index - 6) : index] if line.startswith("#"))
        assert re.search(r"repo-info|github\.com|distroless", comment), (
            f"{image}: no source cited for the digest"
        )


def test_the_entry_point_is_exec_form_and_the_one_the_tests_start() -> None:
    stage = dict(final_stage(DOCKERFILE.read_text(encoding="utf-8")))
    entrypoint, cmd = json.loads(stage["ENTRYPOINT"]), json.loads(stage["CMD"])
    assert entrypoint[0] == "/usr/bin/python3", "the distroless interpreter, no shell"
    assert [*entrypoint[1:], *cmd] == ENTRY_POINT


def test_the_image_runs_as_the_charts_numeric_user() -> None:
    stage = dict(final_stage(DOCKERFILE.read_text(encoding="utf-8")))
    values = yaml.safe_load((ROOT / "charts" / "bff" / "values.yaml").read_text(encoding="utf-8"))
    context = values["securityContext"]
    assert stage["USER"] == f"{context['runAsUser']}:{context['runAsGroup']}" == "10001:10001"


def test_the_runtime_writes_nothing_outside_tmp() -> None:
    stage = dict(final_stage(DOCKERFILE.read_text(encoding="utf-8")))
    env = stage["ENV"]
    assert "PYTHONDONTWRITEBYTECODE=1" in env and "TMPDIR=/tmp" in env
    assert "RUN" not in stage, "the runtime stage runs nothing (it has no shell)"


def test_the_image_installs_the_bff_lock_with_hashes_and_wheels_only() -> None:
    steps = instructions(DOCKERFILE.read_text(encoding="utf-8"))
    (install,) = [args for word, args in steps if word == "RUN" and "pip install" in args]
    for flag in ("--require-hashes", "--only-binary=:all:", "--no-cache-dir", "-r requirements.lock"):
        assert flag in install
    assert "--hash=sha256:" in (ROOT / "bff" / "requirements.lock").read_text()


def test_versions_shared_by_the_bff_lock_and_the_project_lock_agree() -> None:
    bff, project = locked(ROOT / "bff" / "requirements.lock"), locked(ROOT / "requirements" / "test.lock")
    assert len(bff) >= 10
    missing = sorted(set(bff) - set(project))
    assert not missing, f"the project's lock lacks the BFF's {missing}: run `make lock`"
    differ = {name: (bff[name], project[name]) for name in bff if bff[name] != project[name]}
    assert not differ, f"bff/requirements.lock and requirements/test.lock disagree: {differ}"


def test_the_bff_imports_nothing_of_the_iac_code_and_is_imported_by_none_of_it() -> None:
    iac = ("config", "components", "offline", "policies", "functions")
    for module in (ROOT / "bff").glob("*.py"):
        text = module.read_text(encoding="utf-8")
        for package in iac:
            assert not re.search(rf"^\s*(from|import) {package}\b", text, re.MULTILINE), (
                f"{module.name} imports {package}"
            )
    for package in iac:
        for module in (ROOT / package).rglob("*.py"):
            text = module.read_text(encoding="utf-8")
            assert not re.search(r"^\s*(from|import) bff\b", text, re.MULTILINE), f"{module} imports bff"


def test_the_plan_and_test_locks_agree_on_every_shared_version() -> None:
    """`make plan` installs requirements/plan.lock, `make test` requirements/test.lock on top: one
    version per package, or the tests would run something else than the plan."""
    plan, test = locked(ROOT / "requirements" / "plan.lock"), locked(ROOT / "requirements" / "test.lock")
    assert set(plan) <= set(test), f"test.lock lacks {sorted(set(plan) - set(test))}"
    assert {name: plan[name] for name in plan if test[name] != plan[name]} == {}
