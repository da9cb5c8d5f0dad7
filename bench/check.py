"""How long the offline policy check takes, beside the plan alone and beside checkov on the same objects.

    .venv/bin/python bench/check.py [--runs 3] [--sizes 100,1000]

For stacks `dev`, `prod` and synthetic stacks of N generated secrets (`synthetic_stack()` of
bench/plan.py), median of `--runs` runs, each measurement in its own subprocess:

- plan: the whole `make_plan()` (as bench/plan.py times it, after an untimed warm-up plan);
- check: the whole `secrets-platform check --out DIR` in-process (`offline.check.cmd_check`: the
  program under the mocks, the plan's own checks, the pack started as its own process and driven
  over the analyzer protocol, the offline checks, the text report and violations.json/.sarif),
  after an untimed warm-up check of dev, so the one-off SDK imports are not counted;
- CLI: the same command as a fresh process (`.venv/bin/secrets-platform check`), imports included;
- checkov: `checkov -d DIR --framework kubernetes --skip-download --compact --quiet` on the plan's
  Kubernetes objects, one YAML file per object (apiVersion and kind from the type token, the
  plan's masked inputs as the object: secret values stay `[secret]`), start-up included; its
  start-up alone (`checkov --version`, and an empty directory) is measured apart.

checkov runs from its own venv, `bench/.venv-checkov` (created on first use: checkov pins older
boto3 and friends than the project's). Synthetic stacks use dev's policy config, as they use dev's
settings. Nothing secret is printed: the check's output goes to a temp dir, checkov sees masked
values, and a failed measurement prints only its redacted last error line.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from plan import (  # bench/plan.py, beside this file
    print_rows,
    redacted,
    run_worker,
    spawn,
    synthetic_project,
    synthetic_rows,
)

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CHECKOV_VENV = ROOT / "bench" / ".venv-checkov"
CHECKOV_VERSION = "3.3.30"
CHECKOV_ARGS = ["--framework", "kubernetes", "--skip-download", "--compact", "--quiet"]
DEV_POLICY_CONFIG = ROOT / "policies" / "config" / "dev.json"
AIM_CHECKOV_FRACTION = 0.5
"""The whole check of the 1,000-secret stack takes at most this fraction of checkov's time."""
AIM_GROWTH = 1.3
"""Roughly linear: ms per resource of the check at 1,000 secrets within this factor of that at 100."""
K8S_TYPE = re.compile(r"^kubernetes:(?P<group>[^/:]+)/(?P<version>[^/:]+):(?P<kind>[A-Za-z0-9]+)$")
NOT_OBJECTS = {"helm.sh", "yaml", "kustomize"}
"""Groups of Pulumi-only Kubernetes types (a Helm release, YAML and Kustomize groups): no manifest."""
STAGES = [
    ("program", "program under the mocks (Analyze streams alongside)"),
    ("analyze-tail", "analysis left after the program + AnalyzeStack"),
    ("plan-checks", "leak and dropped-input checks"),
    ("pack-start", "pack process start"),
    ("policy-config", "policy config (schema)"),
    ("configure", "Configure + ConfigureStack"),
    ("findings", "diagnostics, redaction, offline checks"),
    ("pack-stop", "pack process stop"),
    ("render", "text report"),
    ("reports", "violations.json + .sarif"),
]
OVERLAPPING = ("analyze-rpc", "Analyze/AnalyzeStack calls, in the analysis thread (overlap the program)")


# --- Kubernetes manifests from a plan ------------------------------------------------------------


def _plain_numbers(value: Any) -> Any:
    """Integral floats back to ints (numbers cross the Pulumi wire as floats: 2.0 replicas is 2)."""
    if isinstance(value, dict):
        return {k: _plain_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_numbers(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def manifest(resource_type: str, inputs: dict[str, Any]) -> dict[str, Any] | None:
    """The Kubernetes object of a plan resource (`kubernetes:<group>/<version>:<Kind>`), else None."""
    match = K8S_TYPE.match(resource_type)
    if not match or match["group"] in NOT_OBJECTS:
        return None
    group, version = match["group"], match["version"]
    api_version = version if group == "core" else f"{group}/{version}"
    body = {k: v for k, v in _plain_numbers(inputs).items() if k not in ("apiVersion", "kind")}
    return {"apiVersion": api_version, "kind": match["kind"], **body}


def write_manifests(plan: Any, out_dir: Path) -> int:
    """Every Kubernetes object of the plan (custom resources only), one YAML file each; the count."""
    import yaml

    out_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    for resource in plan.resources:
        obj = manifest(resource.type, resource.inputs) if resource.custom else None
        if obj is None:
            continue
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{obj['kind']}-{resource.name}")[:120]
        path = out_dir / f"{count:05d}-{name}.yaml"
        path.write_text(yaml.safe_dump(obj, sort_keys=False), encoding="utf-8")
        count += 1
    return count


# --- the workers (each in its own process) -------------------------------------------------------


def worker_plan(args: argparse.Namespace) -> dict[str, Any]:
    from offline.plan import make_plan

    project = Path(args.project)
    make_plan(project, args.warmup_stack)  # untimed: loads the SDK modules once
    gc.collect()
    started = time.perf_counter()
    plan = make_plan(project, args.stack)
    seconds = time.perf_counter() - started
    result: dict[str, Any] = {"seconds": seconds, "resources": len(plan.resources)}
    if args.manifests_out:
        result["objects"] = write_manifests(plan, Path(args.manifests_out))
    return result


def _timed(
    owner: Any, attr: str, stage: str, stages: dict[str, float], after: Callable | None = None
) -> None:
    """Wrap `owner.attr` so its time adds up in `stages[stage]` (and `after(result, *args)` runs)."""
    original = getattr(owner, attr)

    def wrapper(*a: Any, **k: Any) -> Any:
        started = time.perf_counter()
        try:
            result = original(*a, **k)
        finally:
            stages[stage] += time.perf_counter() - started
        if after is not None:
            after(result, *a)
        return result

    setattr(owner, attr, wrapper)


def _instrument(stages: dict[str, float], counts: dict[str, int]) -> None:
    """Time the stages of `offline.check` by wrapping its functions (cmd_check looks them up by name)."""
    import offline.check as check

    def rpc_timing(_: Any, pack: Any) -> None:
        for name in ("Analyze", "AnalyzeStack"):
            _timed(
                pack.stub, name, "analyze-rpc", stages
            )  # from two threads: `+=` on a float is atomic enough

    def violations(result: Any, *_: Any) -> None:
        counts["mandatory"] = len(result.mandatory)
        counts["advisory"] = len(result.violations) - len(result.mandatory)

    _timed(check, "capture_stack", "program", stages)
    _timed(check, "find_dropped", "plan-checks", stages)
    _timed(check, "find_leaks", "plan-checks", stages)
    _timed(check.PolicyPackProcess, "start", "pack-start", stages, after=rpc_timing)
    _timed(check, "effective_config", "policy-config", stages)
    _timed(check.PolicyPackProcess, "configure", "configure", stages)
    _timed(check.AnalyzeStream, "finish", "analyze-tail", stages)
    _timed(check, "check_capture", "check_capture", stages)
    _timed(check.PolicyPackProcess, "close", "pack-stop", stages)
    _timed(check, "run_check", "run_check", stages, after=violations)
    _timed(check, "render", "render", stages)
    _timed(check, "write_reports", "reports", stages)


def worker_check(args: argparse.Namespace) -> dict[str, Any]:
    import offline.check as check

    project = Path(args.project)
    scratch = Path(args.scratch)

    def run(stack: str, policy_config: str | None, out: Path) -> int:
        ns = argparse.Namespace(stack=stack, out=str(out), policy_config=policy_config)
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
            return check.cmd_check(ns, project)

    code = run(args.warmup_stack, None, scratch / "warmup")  # untimed: SDK, grpc, jsonschema imports
    if code not in (0, check.EXIT_VIOLATIONS):
        return {"error": f"warm-up check of {args.warmup_stack} exited {code}"}
    stages: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = {}
    _instrument(stages, counts)
    gc.collect()
    started = time.perf_counter()
    code = run(args.stack, args.policy_config, scratch / "check")
    seconds = time.perf_counter() - started
    if code not in (0, check.EXIT_VIOLATIONS):
        return {"error": f"check exited {code}"}
    # check_capture only turns streamed diagnostics into violations now (configure ran before).
    stages["findings"] = stages.pop("check_capture")
    stages.pop("run_check")
    stages["other"] = seconds - sum(stages[s] for s, _ in STAGES)
    return {"seconds": seconds, "stages": dict(stages), **counts}


# --- timing other processes ----------------------------------------------------------------------


def _spawn(argv: list[str], result: Path) -> dict[str, Any]:
    return spawn(argv, result, script=Path(__file__))


def _wall(command: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, str] | str:
    """(seconds, stdout) of a command, or its (redacted) error."""
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    seconds = time.perf_counter() - started
    if proc.returncode not in ok:
        tail = ((proc.stderr or proc.stdout).strip().splitlines() or ["(no output)"])[-1][:160]
        return redacted(f"{Path(command[0]).name} exited {proc.returncode}: {tail}")
    return seconds, proc.stdout


def ensure_checkov() -> tuple[Path, float | None]:
    """checkov's executable in bench/.venv-checkov, installed on first use; (path, install seconds)."""
    checkov = CHECKOV_VENV / "bin" / "checkov"
    stamp = CHECKOV_VENV / "install-seconds"
    if checkov.exists() and stamp.exists():
        return checkov, None
    print(f"installing checkov {CHECKOV_VERSION} into {CHECKOV_VENV.relative_to(ROOT)} …", file=sys.stderr)
    started = time.perf_counter()
    subprocess.run(["python3", "-m", "venv", str(CHECKOV_VENV)], check=True)
    pip = [
        str(CHECKOV_VENV / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]
    subprocess.run([*pip, f"checkov=={CHECKOV_VERSION}"], check=True)
    seconds = time.perf_counter() - started
    stamp.write_text(f"{seconds:.1f}\n", encoding="utf-8")
    return checkov, seconds


_SUMMARY = re.compile(r"Passed checks: (\d+), Failed checks: (\d+)")


def checkov_run(checkov: Path, directory: Path) -> dict[str, Any]:
    """One checkov run (exit 1 means failed checks, not an error); its output is counted, not shown."""
    outcome = _wall([str(checkov), "-d", str(directory), *CHECKOV_ARGS], ok=(0, 1))
    if isinstance(outcome, str):
        return {"error": outcome}
    seconds, stdout = outcome
    totals = [tuple(map(int, m)) for m in _SUMMARY.findall(stdout)]
    return {
        "seconds": seconds,
        "passed": sum(p for p, _ in totals),
        "failed": sum(f for _, f in totals),
    }


# --- the driver ----------------------------------------------------------------------------------


def _median(runs: list[dict[str, Any]], key: str = "seconds") -> float:
    return statistics.median(r[key] for r in runs)


def measure(
    label: str,
    project: Path,
    stack: str,
    policy_config: Path | None,
    checkov: Path,
    runs: int,
    tmp: Path,
) -> dict[str, Any]:
    manifests = tmp / f"{label.replace(' ', '-')}-manifests"
    plans, checks, clis, checkovs = [], [], [], []
    for run in range(runs):
        scratch = tmp / f"{label.replace(' ', '-')}-{run}"
        scratch.mkdir(parents=True, exist_ok=True)
        argv = ["--worker", "plan", "--project", str(project), "--stack", stack, "--warmup-stack", "dev"]
        if run == 0:
            argv += ["--manifests-out", str(manifests)]
        plans.append(_spawn(argv, scratch / "plan.json"))
        if "error" in plans[-1]:
            return {"label": label, "error": "plan: " + plans[-1]["error"]}

        argv = ["--worker", "check", "--project", str(project), "--stack", stack, "--warmup-stack", "dev"]
        argv += ["--scratch", str(scratch)]
        if policy_config:
            argv += ["--policy-config", str(policy_config)]
        checks.append(_spawn(argv, scratch / "check.json"))
        if "error" in checks[-1]:
            return {"label": label, "error": "check: " + checks[-1]["error"]}

        command = [str(VENV_BIN / "secrets-platform"), "--project-dir", str(project), "check"]
        command += ["--stack", stack, "--out", str(scratch / "cli")]
        if policy_config:
            command += ["--policy-config", str(policy_config)]
        outcome = _wall(command, ok=(0, 4))
        if isinstance(outcome, str):
            return {"label": label, "error": "CLI: " + outcome}
        clis.append({"seconds": outcome[0]})

        checkovs.append(checkov_run(checkov, manifests))
        if "error" in checkovs[-1]:
            return {"label": label, "error": "checkov: " + checkovs[-1]["error"]}
        print(
            f"  {label} run {run + 1}/{runs}: plan {plans[-1]['seconds']:.2f} s, check "
            f"{checks[-1]['seconds']:.2f} s, CLI {clis[-1]['seconds']:.2f} s, checkov "
            f"{checkovs[-1]['seconds']:.2f} s",
            file=sys.stderr,
            flush=True,
        )
    plan_s, check_s = _median(plans), _median(checks)
    return {
        "label": label,
        "resources": plans[0]["resources"],
        "objects": plans[0]["objects"],
        "plan_s": plan_s,
        "check_s": check_s,
        "ratio": check_s / plan_s,
        "cli_s": _median(clis),
        "checkov_s": _median(checkovs),
        "checkov_failed": checkovs[0]["failed"],
        "checkov_passed": checkovs[0]["passed"],
        "mandatory": checks[0].get("mandatory", 0),
        "advisory": checks[0].get("advisory", 0),
        "stages": {
            s: statistics.median(c["stages"].get(s, 0.0) for c in checks) for s in checks[0]["stages"]
        },
    }


def checkov_startup(checkov: Path, runs: int, tmp: Path) -> dict[str, float]:
    empty = tmp / "empty"
    empty.mkdir(exist_ok=True)
    _wall([str(checkov), "--version"])  # untimed: the first start reads the venv from disk
    versions, empties = [], []
    for _ in range(runs):
        for into, command in (
            (versions, [str(checkov), "--version"]),
            (empties, [str(checkov), "-d", str(empty), *CHECKOV_ARGS]),
        ):
            outcome = _wall(command, ok=(0, 1))
            if isinstance(outcome, str):
                raise RuntimeError(outcome)
            into.append(outcome[0])
    return {"version_s": statistics.median(versions), "empty_s": statistics.median(empties)}


def print_report(
    rows: list[dict[str, Any]], runs: int, startup: dict[str, float], install_s: float | None
) -> None:
    print_rows(
        f"Offline policy check vs plan vs checkov (median of {runs} run(s))",
        f"{'stack':<16}{'resources':>10}{'k8s objs':>9} │{'plan s':>8}{'check s':>9}{'check/plan':>11} │"
        f"{'CLI s':>7} │{'checkov s':>10}{'failed':>7}",
        rows,
        lambda row: (
            f"{row['label']:<16}{row['resources']:>10,}{row['objects']:>9,} │{row['plan_s']:>8.2f}"
            f"{row['check_s']:>9.2f}{row['ratio']:>10.2f}x │{row['cli_s']:>7.2f} │{row['checkov_s']:>10.2f}"
            f"{row['checkov_failed']:>7,}"
        ),
    )
    print(
        "  resources: every registration of the plan (components included); k8s objs: the manifests checkov\n"
        "  reads (the Helm release and the provider are not objects). plan and check: warm, in-process;\n"
        "  CLI: `secrets-platform check` as a fresh process; checkov: wall time, start-up included;\n"
        "  failed: checkov's failed checks."
    )
    installed = f"installed in {install_s:.0f} s now" if install_s is not None else "venv already present"
    stamp = CHECKOV_VENV / "install-seconds"
    if install_s is None and stamp.exists():
        installed += f", first install took {float(stamp.read_text()):.0f} s"
    print(
        f"checkov {CHECKOV_VERSION} start-up: `checkov --version` {startup['version_s']:.2f} s, "
        f"an empty directory {startup['empty_s']:.2f} s ({installed})"
    )

    ok = [r for r in rows if "error" not in r]
    if ok:
        width = max(len(text) for _, text in [*STAGES, OVERLAPPING]) + 2
        print("\nWhere the check's time goes (s, median of the runs):")
        print(f"  {'stage':<{width}}" + "".join(f"{r['label']:>16}" for r in ok))
        for stage, text in [*STAGES, ("other", "other (cmd_check glue, GC)"), OVERLAPPING]:
            print(f"  {text:<{width}}" + "".join(f"{r['stages'].get(stage, 0.0):>16.3f}" for r in ok))
        print(
            f"  {'violations (mandatory/advisory)':<{width}}"
            + "".join(f"{str(r['mandatory']) + '/' + str(r['advisory']):>16}" for r in ok)
        )

    synthetic = synthetic_rows(rows)
    if synthetic:
        parts = [
            f"{n:,} → {r['check_s'] * 1000 / r['resources']:.2f} (checkov beyond its start-up: "
            f"{(r['checkov_s'] - startup['empty_s']) * 1000 / max(r['objects'], 1):.2f} per object)"
            for n, r in sorted(synthetic.items())
        ]
        print("growth, check ms per resource: " + "; ".join(parts))

    print("\nAim:")
    big = synthetic.get(1000)
    if big is None:
        print("  check of 1,000 secrets ≤ half of checkov: not measured (needs size 1000)")
    else:
        limit = AIM_CHECKOV_FRACTION * big["checkov_s"]
        verdict = "yes" if big["cli_s"] <= limit else "NO"
        print(
            f"  whole check of 1,000 secrets ≤ {AIM_CHECKOV_FRACTION:g} x checkov on its manifests: {verdict} "
            f"(CLI {big['cli_s']:.2f} s vs limit {limit:.2f} s = {big['cli_s'] / big['checkov_s']:.2f} x "
            f"checkov {big['checkov_s']:.2f} s)"
        )
        print(
            f"    warm in-process check {big['check_s']:.2f} s = {big['check_s'] / big['checkov_s']:.2f} x "
            f"checkov; without start-ups: check {big['check_s'] - big['stages'].get('pack-start', 0):.2f} s vs "
            f"checkov {big['checkov_s'] - startup['empty_s']:.2f} s"
        )
    if 100 in synthetic and 1000 in synthetic:
        small, large = synthetic[100], synthetic[1000]
        growth = (large["check_s"] / large["resources"]) / (small["check_s"] / small["resources"])
        print(
            f"  roughly linear (check ms/resource at 1,000 ≤ {AIM_GROWTH}x that at 100): "
            f"{'yes' if growth <= AIM_GROWTH else 'NO'} ({growth:.2f}x)"
        )
    else:
        print("  roughly linear: not measured (needs sizes 100 and 1000)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median time)")
    parser.add_argument("--sizes", default="100,1000", help="synthetic stack sizes (secrets)")
    parser.add_argument("--worker", choices=["plan", "check"], help=argparse.SUPPRESS)
    parser.add_argument("--project", help=argparse.SUPPRESS)
    parser.add_argument("--stack", help=argparse.SUPPRESS)
    parser.add_argument("--warmup-stack", help=argparse.SUPPRESS)
    parser.add_argument("--manifests-out", help=argparse.SUPPRESS)
    parser.add_argument("--policy-config", help=argparse.SUPPRESS)
    parser.add_argument("--scratch", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return run_worker(args, worker_plan if args.worker == "plan" else worker_check)

    import yaml

    sizes = [int(s) for s in args.sizes.replace("_", "").split(",") if s.strip()]
    started = time.perf_counter()
    load = os.getloadavg()[0]
    checkov, install_s = ensure_checkov()
    dev_doc = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp_name:
        tmp = Path(tmp_name)
        startup = checkov_startup(checkov, args.runs, tmp)
        for stack in ("dev", "prod"):
            rows.append(measure(stack, ROOT, stack, None, checkov, args.runs, tmp))
        for n in sizes:
            project = synthetic_project(tmp, dev_doc, n)
            rows.append(
                measure(f"synthetic {n:,}", project, "synth", DEV_POLICY_CONFIG, checkov, args.runs, tmp)
            )
    print_report(rows, args.runs, startup, install_s)
    print(
        f"\n(bench took {time.perf_counter() - started:.0f} s on {os.cpu_count()} CPU(s); load average "
        f"{load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end: other work on the machine slows "
        "every column)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
