"""The offline policy check beside checkov, the plan beside its floor, and the whole review flow, in one run.

    .venv/bin/python bench/check.py [--runs 3] [--sizes 100,1000,2000] [--flow-size 1000]

For stacks `dev`, `prod` and synthetic stacks of N generated secrets (`synthetic_stack()` of
bench/plan.py), median of `--runs` runs, the measurements of one run interleaved (plan, floor, check,
CLI, checkov), each in its own subprocess:

- plan: the whole `make_plan()` (after an untimed warm-up plan of dev);
- floor: the same custom resources declared flat through the same runtime (bench/plan.py's floor);
- check: the whole `secrets-platform check --out DIR` in-process (`offline.check.cmd_check`, after an
  untimed warm-up check of dev, so the one-off imports are not counted), once for each place the pack
  is evaluated: a child process fed over a pipe (`piped`, the default), the check's own process
  (`in-process`), its own process over gRPC (`process`, as the engine runs it);
- CLI: the same command as a fresh process (imports included), as the check runs by default;
- checkov: `checkov -d DIR --framework kubernetes --skip-download --compact --quiet` on the plan's
  Kubernetes objects, one YAML file per object (apiVersion and kind from the type token, the
  plan's masked inputs as the object: secret values stay `[secret]`), start-up included; its
  start-up alone (`checkov --version`, and an empty directory) is measured apart.

Then the review flow of one synthetic stack (`--flow-size` secrets) in a scratch git repository: what
the pull-request workflow runs for a stack (`secrets-platform diff --stack S --base HEAD --reports
DIR --out FILE`: both sides checked, the program run once per side), beside one `secrets-platform
plan` of that stack, both as processes, interleaved.

checkov runs from its own venv, `bench/.venv-checkov` (created on first use: checkov pins older
boto3 and friends than the project's). Synthetic stacks use dev's policy config, as they use dev's
settings. Nothing secret is printed: the check's output goes to a temp dir, checkov sees masked
values, and a failed measurement prints only its redacted last error line.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import re
import shutil
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
    _shape,
    print_rows,
    redacted,
    run_worker,
    spawn,
    spy_on_capture,
    synthetic_project,
    synthetic_rows,
)

ROOT = Path(__file__).resolve().parent.parent
PLAN_SCRIPT = Path(__file__).resolve().parent / "plan.py"
VENV_BIN = Path(sys.executable).parent
CHECKOV_VENV = ROOT / "bench" / ".venv-checkov"
CHECKOV_VERSION = "3.3.30"
CHECKOV_ARGS = ["--framework", "kubernetes", "--skip-download", "--compact", "--quiet"]
DEV_POLICY_CONFIG = ROOT / "policies" / "config" / "dev.json"
MODES = ("piped", "in-process", "process")
"""Where the pack is evaluated (`offline.check.run.EVALUATIONS`): a child process fed over a pipe (the
default), the check's own process, or its own process over gRPC (as the engine runs it)."""
AIM_CHECKOV = {100: 0.5, 1000: 1.0}
"""The warm check of N secrets takes at most this fraction of checkov's time on the same stack."""
AIM_FLOOR = 1.3
"""The plan takes at most this multiple of the floor at every synthetic size."""
AIM_FLOW = 2.3
"""The whole review flow of one stack takes at most this multiple of one plan (both processes)."""
AIM_GROWTH = 1.3
"""Linear: ms per resource at the largest size within this factor of that at 1,000."""
K8S_TYPE = re.compile(r"^kubernetes:(?P<group>[^/:]+)/(?P<version>[^/:]+):(?P<kind>[A-Za-z0-9]+)$")
NOT_OBJECTS = {"helm.sh", "yaml", "kustomize"}
"""Groups of Pulumi-only Kubernetes types (a Helm release, YAML and Kustomize groups): no manifest."""
STAGES = [
    ("program", "program under the mocks (Analyze alongside)"),
    ("analyze-tail", "answers left after the program + AnalyzeStack"),
    ("plan-checks", "leak and dropped-input checks"),
    ("pack-start", "pack start (child or process started, pack loaded)"),
    ("policy-config", "policy config (schema)"),
    ("configure", "Configure + ConfigureStack"),
    ("findings", "diagnostics, redaction, offline checks"),
    ("plan-doc", "plan.json's plan (masking, secret sources)"),
    ("pack-stop", "pack process stop"),
    ("render", "text report"),
    ("reports", "violations.json, .sarif, plan.json"),
]


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
    """The timed plan; on the first run also the manifests (for checkov) and the floor's resources."""
    import offline.plan as offline_plan
    from offline.runtime import join

    project = Path(args.project)
    captured = spy_on_capture(offline_plan)
    offline_plan.make_plan(project, args.warmup_stack)  # untimed: loads the SDK modules once
    captured.clear()
    gc.collect()
    started = time.perf_counter()
    plan = offline_plan.make_plan(project, args.stack)
    seconds = time.perf_counter() - started
    custom = [r for r in captured["capture"].resources if r.custom]
    result: dict[str, Any] = {"seconds": seconds, "resources": len(plan.resources), "custom": len(custom)}
    if args.manifests_out:
        result["objects"] = write_manifests(plan, Path(args.manifests_out))
    if args.resources_out:
        config = captured["stack_input"].config
        region = config.get("aws:region") or config.get("azure-native:location", "")
        flat = [
            {"type": r.type, "name": r.name, "inputs": _shape(r.inputs, "", set(r.secret_paths), False, join)}
            for r in custom
        ]
        Path(args.resources_out).write_text(
            json.dumps({"region": region, "resources": flat}), encoding="utf-8"
        )
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
    """Time the stages of a check by wrapping the functions `offline.check.run` looks up by name."""
    from offline.check import inprocess, pack, piped, run

    def violations(result: Any, *_: Any) -> None:
        counts["mandatory"] = len(result.mandatory)
        counts["advisory"] = len(result.violations) - len(result.mandatory)

    _timed(run, "capture_stack", "program", stages)
    _timed(run, "verify", "plan-checks", stages)
    _timed(pack.PolicyPackProcess, "start", "pack-start", stages)
    _timed(inprocess.InProcessPack, "__enter__", "pack-start", stages)
    _timed(piped.PipedPack, "__enter__", "pack-start", stages)
    _timed(run, "effective_config", "policy-config", stages)
    _timed(pack.PolicyPackProcess, "configure", "configure", stages)
    _timed(inprocess.InProcessPack, "configure", "configure", stages)
    _timed(piped.PipedPack, "configure", "configure", stages)
    _timed(pack.AnalyzeStream, "finish", "analyze-tail", stages)
    _timed(piped.PipedStream, "finish", "analyze-tail", stages)
    _timed(run, "check_capture", "findings", stages)
    _timed(run, "build_plan", "plan-doc", stages)
    _timed(pack.PolicyPackProcess, "close", "pack-stop", stages)
    _timed(piped.PipedPack, "__exit__", "pack-stop", stages)
    _timed(run, "run_check", "run_check", stages, after=violations)
    _timed(run, "render", "render", stages)
    _timed(run, "write_reports", "reports", stages)


def worker_check(args: argparse.Namespace) -> dict[str, Any]:
    from offline.check import run as check_run

    project = Path(args.project)
    scratch = Path(args.scratch)
    original = check_run.run_check

    def run_check(*a: Any, **k: Any) -> Any:
        return original(*a, **{**k, "evaluation": args.mode})

    check_run.run_check = run_check

    def run(stack: str, policy_config: str | None, out: Path) -> int:
        ns = argparse.Namespace(stack=stack, out=str(out), policy_config=policy_config)
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
            return check_run.cmd_check(ns, project)

    code = run(args.warmup_stack, None, scratch / "warmup")  # untimed: SDK, grpc, jsonschema imports
    if code not in (0, 4):
        return {"error": f"warm-up check of {args.warmup_stack} exited {code}"}
    stages: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = {}
    _instrument(stages, counts)
    gc.collect()
    started = time.perf_counter()
    code = run(args.stack, args.policy_config, scratch / "check")
    seconds = time.perf_counter() - started
    if code not in (0, 4):
        return {"error": f"check exited {code}"}
    stages.pop("run_check")
    stages["other"] = seconds - sum(stages[s] for s, _ in STAGES)
    return {"seconds": seconds, "stages": dict(stages), **counts}


# --- timing other processes ----------------------------------------------------------------------


def _spawn(argv: list[str], result: Path, script: Path = Path(__file__)) -> dict[str, Any]:
    return spawn(argv, result, script=script)


def _wall(command: list[str], ok: tuple[int, ...] = (0,), cwd: Path = ROOT) -> tuple[float, str] | str:
    """(seconds, stdout) of a command, or its (redacted) error."""
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=1800, check=False)
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
    return {"seconds": seconds, "passed": sum(p for p, _ in totals), "failed": sum(f for _, f in totals)}


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
    slug = label.replace(" ", "-").replace(",", "")
    # Warm up on the stack itself when it is small (prod imports Azure's modules dev never loads);
    # a synthetic stack warms up on dev.
    warmup = stack if project == ROOT else "dev"
    manifests = tmp / f"{slug}-manifests"
    resources = tmp / f"{slug}-resources.json"
    plans: list[dict[str, Any]] = []
    floors: list[dict[str, Any]] = []
    checks: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
    clis: list[dict[str, Any]] = []
    checkovs: list[dict[str, Any]] = []
    for run in range(runs):
        scratch = tmp / f"{slug}-{run}"
        scratch.mkdir(parents=True, exist_ok=True)
        argv = ["--worker", "plan", "--project", str(project), "--stack", stack, "--warmup-stack", warmup]
        if run == 0:
            argv += ["--manifests-out", str(manifests), "--resources-out", str(resources)]
        plans.append(_spawn(argv, scratch / "plan.json"))
        if "error" in plans[-1]:
            return {"label": label, "error": "plan: " + plans[-1]["error"]}

        region = json.loads(resources.read_text(encoding="utf-8"))["region"]
        argv = ["--worker", "floor", "--resources-in", str(resources), "--region", region]
        floors.append(_spawn(argv, scratch / "floor.json", script=PLAN_SCRIPT))
        if "error" in floors[-1]:
            return {"label": label, "error": "floor: " + floors[-1]["error"]}

        for mode in MODES:
            argv = [
                "--worker",
                "check",
                "--project",
                str(project),
                "--stack",
                stack,
                "--warmup-stack",
                warmup,
            ]
            argv += ["--scratch", str(scratch / mode), "--mode", mode]
            if policy_config:
                argv += ["--policy-config", str(policy_config)]
            checks[mode].append(_spawn(argv, scratch / f"check-{mode}.json"))
            if "error" in checks[mode][-1]:
                return {"label": label, "error": f"check ({mode}): " + checks[mode][-1]["error"]}

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
            f"  {label} run {run + 1}/{runs}: plan {plans[-1]['seconds']:.2f} s, floor "
            f"{floors[-1]['seconds']:.2f} s, check "
            + ", ".join(f"{m} {checks[m][-1]['seconds']:.2f} s" for m in MODES)
            + f", CLI {clis[-1]['seconds']:.2f} s, checkov {checkovs[-1]['seconds']:.2f} s",
            file=sys.stderr,
            flush=True,
        )
    checkov_s = _median(checkovs)
    row: dict[str, Any] = {
        "label": label,
        "resources": plans[0]["resources"],
        "custom": plans[0]["custom"],
        "objects": plans[0]["objects"],
        "plan_s": _median(plans),
        "floor_s": _median(floors),
        "cli_s": _median(clis),
        "checkov_s": checkov_s,
        "checkov_failed": checkovs[0]["failed"],
        "mandatory": checks[MODES[0]][0].get("mandatory", 0),
        "advisory": checks[MODES[0]][0].get("advisory", 0),
        "check_s": {m: _median(checks[m]) for m in MODES},
        "stages": {
            m: {
                s: statistics.median(c["stages"].get(s, 0.0) for c in checks[m])
                for s in checks[m][0]["stages"]
            }
            for m in MODES
        },
    }
    row["floor_ratio"] = row["plan_s"] / row["floor_s"]
    return row


def review_flow(project: Path, runs: int, tmp: Path) -> dict[str, Any]:
    """The pull-request workflow's command for one stack beside one plan, both as processes."""
    repo = tmp / "flow-repo"
    shutil.copytree(project, repo)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
        subprocess.run([*git, *command], cwd=repo, check=True, capture_output=True)
    cli = str(VENV_BIN / "secrets-platform")
    plans, flows = [], []
    for run in range(runs):
        plan = _wall([cli, "plan", "--stack", "synth", "--out", str(tmp / "flow-plan.json")], cwd=repo)
        out = tmp / f"flow-{run}"
        out.mkdir()
        command = [cli, "diff", "--stack", "synth", "--base", "HEAD", "--max-chars", "30000"]
        command += ["--out", str(out / "diff.md"), "--reports", str(out / "check")]
        flow = _wall(command, ok=(0, 4), cwd=repo)
        for outcome in (plan, flow):
            if isinstance(outcome, str):
                return {"error": outcome}
        plans.append(plan[0])  # type: ignore[index]
        flows.append(flow[0])  # type: ignore[index]
        print(
            f"  review flow run {run + 1}/{runs}: plan {plans[-1]:.2f} s, flow {flows[-1]:.2f} s",
            file=sys.stderr,
        )
    return {"plan_s": statistics.median(plans), "flow_s": statistics.median(flows)}


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
    rows: list[dict[str, Any]],
    runs: int,
    startup: dict[str, float],
    flow: dict[str, Any],
    flow_size: int,
) -> None:
    print_rows(
        f"The check beside checkov, the plan beside its floor (median of {runs} run(s), in one run)",
        f"{'stack':<16}{'resources':>10}{'k8s objs':>9} │{'plan s':>8}{'floor s':>8}{'p/floor':>8} │"
        f"{'piped s':>8}{'in-proc s':>10}{'process s':>10}{'CLI s':>7} │{'checkov s':>10} │"
        f"{'pipe/ckv':>9}{'in-p/ckv':>9}{'proc/ckv':>9}",
        rows,
        lambda r: (
            f"{r['label']:<16}{r['resources']:>10,}{r['objects']:>9,} │{r['plan_s']:>8.2f}{r['floor_s']:>8.2f}"
            f"{r['floor_ratio']:>7.2f}x │{r['check_s']['piped']:>8.2f}{r['check_s']['in-process']:>10.2f}"
            f"{r['check_s']['process']:>10.2f}{r['cli_s']:>7.2f} │{r['checkov_s']:>10.2f} │"
            + "".join(f"{r['check_s'][m] / r['checkov_s']:>8.2f}x" for m in MODES)
        ),
    )
    print(
        "  resources: every registration (components included); k8s objs: the manifests checkov reads.\n"
        "  plan, floor and check: warm, in-process (imports not counted); piped / in-proc / process: where the\n"
        "  pack is evaluated (a child fed over a pipe, the check's process, its own process over gRPC); CLI:\n"
        "  `secrets-platform check --out` as a fresh process (imports included, piped); checkov: wall time of\n"
        "  its process, start-up included."
    )
    print(
        f"checkov {CHECKOV_VERSION} start-up: `checkov --version` {startup['version_s']:.2f} s, "
        f"an empty directory {startup['empty_s']:.2f} s"
    )
    ok = [r for r in rows if "error" not in r]
    if ok:
        for mode in MODES:
            width = max(len(text) for _, text in STAGES) + 2
            print(f"\nWhere the check's time goes, pack {mode} (s, median of the runs):")
            print(f"  {'stage':<{width}}" + "".join(f"{r['label']:>16}" for r in ok))
            for stage, text in [*STAGES, ("other", "other (cmd_check glue, GC)")]:
                print(
                    f"  {text:<{width}}" + "".join(f"{r['stages'][mode].get(stage, 0.0):>16.3f}" for r in ok)
                )
        print(
            f"  {'violations (mandatory/advisory)':<{width}}"
            + "".join(f"{str(r['mandatory']) + '/' + str(r['advisory']):>16}" for r in ok)
        )
    if "error" in flow:
        print(f"\nReview flow of synthetic {flow_size:,}: FAILED: {flow['error']}")
    else:
        print(
            f"\nReview flow of synthetic {flow_size:,} (`diff --base --reports`, both sides checked): "
            f"{flow['flow_s']:.2f} s; one `plan` process {flow['plan_s']:.2f} s; flow/plan "
            f"{flow['flow_s'] / flow['plan_s']:.2f}x"
        )

    synthetic = synthetic_rows(rows)
    print("\nAims (warm check against checkov's whole process, as the issue measures it):")
    for n, limit in AIM_CHECKOV.items():
        row = synthetic.get(n)
        if row is None:
            print(f"  check of {n:,} secrets ≤ {limit}x checkov: not measured")
            continue
        for mode in MODES:
            ratio = row["check_s"][mode] / row["checkov_s"]
            print(
                f"  check of {n:,} secrets ≤ {limit}x checkov ({mode}): {'yes' if ratio <= limit else 'NO'} ({ratio:.2f}x)"
            )
    if synthetic:
        worst = max(synthetic.values(), key=lambda r: r["floor_ratio"])
        verdict = "yes" if worst["floor_ratio"] <= AIM_FLOOR else "NO"
        print(
            f"  plan ≤ {AIM_FLOOR}x floor at every size: {verdict} (worst {worst['floor_ratio']:.2f}x at {worst['label']})"
        )
    if "error" not in flow:
        ratio = flow["flow_s"] / flow["plan_s"]
        print(
            f"  review flow of one stack ≤ {AIM_FLOW}x one plan: {'yes' if ratio <= AIM_FLOW else 'NO'} ({ratio:.2f}x)"
        )
    if 1000 in synthetic and max(synthetic) > 1000:
        small, large = synthetic[1000], synthetic[max(synthetic)]
        for what, key in (
            ("plan", "plan_s"),
            ("check, piped", "piped"),
            ("check, in-process", "in-process"),
            ("check, process", "process"),
        ):
            a = (large[key] if key in large else large["check_s"][key]) / large["resources"]
            b = (small[key] if key in small else small["check_s"][key]) / small["resources"]
            print(
                f"  linear ({what}: ms/resource at {max(synthetic):,} ≤ {AIM_GROWTH}x that at 1,000): "
                f"{'yes' if a / b <= AIM_GROWTH else 'NO'} ({a / b:.2f}x)"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median time)")
    parser.add_argument("--sizes", default="100,1000,2000", help="synthetic stack sizes (secrets)")
    parser.add_argument("--flow-size", type=int, default=1000, help="secrets of the review flow's stack")
    parser.add_argument("--no-named", action="store_true", help="skip the dev and prod rows")
    parser.add_argument("--worker", choices=["plan", "check"], help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=MODES, default=MODES[0], help=argparse.SUPPRESS)
    parser.add_argument("--project", help=argparse.SUPPRESS)
    parser.add_argument("--stack", help=argparse.SUPPRESS)
    parser.add_argument("--warmup-stack", help=argparse.SUPPRESS)
    parser.add_argument("--manifests-out", help=argparse.SUPPRESS)
    parser.add_argument("--resources-out", help=argparse.SUPPRESS)
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
    checkov, _ = ensure_checkov()
    dev_doc = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp_name:
        tmp = Path(tmp_name)
        startup = checkov_startup(checkov, args.runs, tmp)
        for stack in () if args.no_named else ("dev", "prod"):
            rows.append(measure(stack, ROOT, stack, None, checkov, args.runs, tmp))
        for n in sizes:
            project = synthetic_project(tmp, dev_doc, n)
            rows.append(
                measure(f"synthetic {n:,}", project, "synth", DEV_POLICY_CONFIG, checkov, args.runs, tmp)
            )
        flow = review_flow(synthetic_project(tmp / "flow", dev_doc, args.flow_size), args.runs, tmp)
    print_report(rows, args.runs, startup, flow, args.flow_size)
    print(
        f"\n(bench took {time.perf_counter() - started:.0f} s on {os.cpu_count()} CPU(s); load average "
        f"{load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end: other work on the machine slows "
        "every column)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
