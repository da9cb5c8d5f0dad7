"""How long an offline plan takes and how much memory it needs, beside the mock runtime's own floor.

    .venv/bin/python bench/plan.py [--runs 3] [--sizes 100,1000,5000]

For stacks `dev`, `prod` and synthetic stacks of N generated secrets, each measurement runs in its
own subprocess (so its peak RSS is its own), median time of `--runs` runs:

- plan: the whole `make_plan()` (stack files, config validation, the unchanged program under the
  mocks, leak and dropped-input checks);
- floor: the same custom resources (type, name, inputs) declared flat, with
  `pulumi.CustomResource(type, name, props)`, no component and no validation, through the same
  `run_program()` and `PlanMocks`.

Both subprocesses first do one small untimed run (the small stack's plan; a few flat resources), so
the one-off import of the provider SDKs is not counted; that cost is printed apart. Nothing secret
is printed or written: secret inputs reach the floor's file as same-length `*` strings.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NS = "secrets-platform:"
NAMESPACES = 10
AIM_RATIO = 1.5
AIM_GROWTH = 1.3


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --- synthetic stacks ----------------------------------------------------------------------------


def synthetic_stack(dev_doc: dict[str, Any], n: int) -> dict[str, Any]:
    """The dev stack with N generated secrets, each read by one of N/10 workloads (round robin)."""
    doc = copy.deepcopy(dev_doc)
    config = doc["config"]
    count = max(1, n // 10)
    workloads = [f"svc-{i:04d}" for i in range(count)]
    config[NS + "workloads"] = [
        {
            "name": name,
            "namespace": f"team-{i % NAMESPACES:02d}",
            "image": f"ghcr.io/example/{name}:1.0.0",
        }
        for i, name in enumerate(workloads)
    ]
    # The dev secrets no workload reads are the platform's own (BFF TLS, the apps' keys, Helm
    # overrides such as bff-tls and maps-api-key): kept, so the BFF, apps and Helm config stay valid.
    kept = [s for s in config[NS + "secrets"] if not s.get("readers")]
    generated = [
        {
            "name": f"gen-{i:05d}",
            "description": f"generated secret {i} of the benchmark",
            "source": "generated",
            "keys": ["password"],
            "readers": [workloads[i % count]],
            "rotationDays": 90,
        }
        for i in range(n)
    ]
    config[NS + "secrets"] = generated + kept
    referenced = {key for s in kept if s.get("source") == "literal" for key in s["keys"].values()}
    for key in list(config):
        value = config[key]
        if isinstance(value, dict) and set(value) == {"secure"} and key.removeprefix(NS) not in referenced:
            del config[key]  # a secret key no kept literal names would be an "unknown key"
    return doc


def scratch_project(base: Path, stack: str, doc: dict[str, Any]) -> Path:
    """A copy of the project (as tests/conftest.py makes one) with `Pulumi.<stack>.yaml`."""
    import yaml

    base.mkdir(parents=True, exist_ok=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, base / name)
    for folder in ("certs", "charts", "functions"):  # files the program reads (secrets, Helm, Lambda)
        if (ROOT / folder).is_dir() and not (base / folder).exists():
            shutil.copytree(ROOT / folder, base / folder)
    (base / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return base


def synthetic_project(tmp: Path, dev_doc: dict[str, Any], n: int) -> Path:
    """A scratch project whose stack `synth` has N generated secrets, and `dev` for the warm-up."""
    project = scratch_project(tmp / f"synthetic-{n}", "synth", synthetic_stack(dev_doc, n))
    shutil.copy(ROOT / "Pulumi.dev.yaml", project / "Pulumi.dev.yaml")
    return project


# --- the two workers (each in its own process) ---------------------------------------------------


def _shape(value: Any, path: str, secret_paths: set[str], inside: bool, join) -> Any:
    """The inputs with every secret subtree marked, its strings replaced by `*` of the same length."""
    secret = inside or path in secret_paths
    if isinstance(value, dict):
        out = {k: _shape(v, join(path, k), secret_paths, secret, join) for k, v in value.items()}
    elif isinstance(value, list):
        out = [_shape(v, join(path, i), secret_paths, secret, join) for i, v in enumerate(value)]
    elif isinstance(value, str) and secret:
        out = "*" * len(value)
    else:
        out = value
    if path in secret_paths and not inside:
        return {"__secret__": out}
    return out


def spy_on_capture(offline_plan: Any) -> dict[str, Any]:
    """Wrap `offline.plan.capture_stack` so a worker sees each run's stack input and capture (kept in
    the returned dict, replaced by every run)."""
    captured: dict[str, Any] = {}
    original = offline_plan.capture_stack

    def spy(*a: Any, **k: Any) -> Any:
        result = original(*a, **k)
        captured["stack_input"], captured["capture"], _ = result
        return result

    offline_plan.capture_stack = spy
    return captured


def worker_plan(args: argparse.Namespace) -> dict[str, Any]:
    import offline.plan as offline_plan
    from offline.runtime import join

    project = Path(args.project)
    captured = spy_on_capture(offline_plan)
    started = time.perf_counter()
    offline_plan.make_plan(project, args.warmup_stack)  # untimed: loads the SDK modules once
    warmup = time.perf_counter() - started
    captured.clear()
    gc.collect()
    base = _peak_mb()

    started = time.perf_counter()
    plan = offline_plan.make_plan(project, args.stack)
    seconds = time.perf_counter() - started
    peak = _peak_mb()

    custom = [r for r in captured["capture"].resources if r.custom]
    if args.resources_out:
        region = captured["stack_input"].config.get("aws:region") or captured["stack_input"].config.get(
            "azure-native:location", ""
        )
        flat = [
            {"type": r.type, "name": r.name, "inputs": _shape(r.inputs, "", set(r.secret_paths), False, join)}
            for r in custom
        ]
        Path(args.resources_out).write_text(
            json.dumps({"region": region, "resources": flat}), encoding="utf-8"
        )
    return {
        "seconds": seconds,
        "peak_mb": peak,
        "base_mb": base,
        "warmup_seconds": warmup,
        "resources": len(plan.resources),
        "custom": len(custom),
    }


def _secret_slots(value: Any, holder: Any, key: Any, slots: list[tuple[Any, Any]]) -> Any:
    """Unmark secret subtrees in place; remember where they sit so the body wraps them in a secret."""
    if isinstance(value, dict):
        if set(value) == {"__secret__"}:
            holder[key] = _secret_slots(value["__secret__"], None, None, [])
            slots.append((holder, key))
            return holder[key]
        for k in list(value):
            _secret_slots(value[k], value, k, slots)
    elif isinstance(value, list):
        for i in range(len(value)):
            _secret_slots(value[i], value, i, slots)
    return value


def _declarations(resources: list[dict[str, Any]]) -> list[tuple[str, str, dict[str, Any], list]]:
    out = []
    for r in resources:
        box = {"props": r["inputs"]}
        slots: list[tuple[Any, Any]] = []
        _secret_slots(box["props"], box, "props", slots)
        out.append((r["type"], r["name"], box, slots))
    return out


def worker_floor(args: argparse.Namespace) -> dict[str, Any]:
    import pulumi

    from offline.mocks import PlanMocks
    from offline.runtime import collector_paused, run_program

    doc = json.loads(Path(args.resources_in).read_text(encoding="utf-8"))
    warm = _declarations(copy.deepcopy(doc["resources"][:30]))
    todo = _declarations(doc["resources"])
    del doc

    def declare(items: list[tuple[str, str, dict[str, Any], list]], prefix: str) -> Any:
        def body() -> None:
            for *_, slots in items:
                for holder, key in slots:
                    holder[key] = pulumi.Output.secret(holder[key])
            for typ, name, box, _ in items:
                if typ.startswith("pulumi:providers:"):
                    pulumi.ProviderResource(
                        typ.removeprefix("pulumi:providers:"), prefix + name, box["props"]
                    )
                else:
                    pulumi.CustomResource(typ, prefix + name, box["props"])

        # The collector as `make_plan` has it (paused, the run frozen at the end): otherwise the floor
        # alone pays a collection over everything the run allocated.
        with collector_paused(freeze=True):
            return run_program(
                body,
                project="secrets-platform",
                stack="floor",
                config={},
                secret_keys=[],
                plan_mocks=PlanMocks(args.region, "floor"),
            )

    declare(warm, "warm-")  # untimed, as the plan worker's warm-up
    del warm
    gc.collect()
    base = _peak_mb()
    started = time.perf_counter()
    capture = declare(todo, "")
    seconds = time.perf_counter() - started
    peak = _peak_mb()
    return {"seconds": seconds, "peak_mb": peak, "base_mb": base, "resources": len(capture.resources)}


def redacted(text: str) -> str:
    """Text with placeholders and canaries masked (`offline.check.Redactor`), for error rows."""
    from offline.check import Redactor

    return Redactor()(text)


def run_worker(args: argparse.Namespace, work: Callable[[argparse.Namespace], dict[str, Any]]) -> int:
    """Run one worker and write its JSON result to `--result`; an exception becomes a redacted error row."""
    sys.path.insert(0, str(ROOT))
    try:
        result = work(args)
    except Exception as exc:  # reported as a row of the table, without the traceback
        message = str(exc).strip().splitlines()
        result = {"error": redacted(f"{type(exc).__name__}: {message[-1][:160] if message else ''}")}
    Path(args.result).write_text(json.dumps(result), encoding="utf-8")
    return 0


# --- the driver ----------------------------------------------------------------------------------


def spawn(argv: list[str], result: Path, script: Path = Path(__file__)) -> dict[str, Any]:
    """Run `script` (a bench file) as a worker process; its JSON result, or a redacted error row."""
    proc = subprocess.run(
        [sys.executable, str(script.resolve()), *argv, "--result", str(result)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if not result.exists():
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1][:160]
        return {"error": redacted(f"worker exited {proc.returncode}: {tail}")}
    return json.loads(result.read_text(encoding="utf-8"))


def measure(label: str, project: Path, stack: str, warmup_stack: str, runs: int, tmp: Path) -> dict[str, Any]:
    resources_file = tmp / f"{label}-resources.json"
    plans: list[dict[str, Any]] = []
    floors: list[dict[str, Any]] = []
    for run in range(runs):
        plan_argv = ["--worker", "plan", "--project", str(project), "--stack", stack]
        plan_argv += ["--warmup-stack", warmup_stack]
        if run == 0:
            plan_argv += ["--resources-out", str(resources_file)]
        plans.append(spawn(plan_argv, tmp / f"{label}-plan-{run}.json"))
        if "error" in plans[-1]:
            return {"label": label, "error": "plan: " + plans[-1]["error"]}
        region = json.loads(resources_file.read_text(encoding="utf-8"))["region"]
        floor_argv = ["--worker", "floor", "--resources-in", str(resources_file), "--region", region]
        floors.append(spawn(floor_argv, tmp / f"{label}-floor-{run}.json"))
        if "error" in floors[-1]:
            return {"label": label, "error": "floor: " + floors[-1]["error"]}
        print(
            f"  {label} run {run + 1}/{runs}: plan {plans[-1]['seconds']:.2f} s, "
            f"floor {floors[-1]['seconds']:.2f} s",
            file=sys.stderr,
            flush=True,
        )
    plan_s = statistics.median(p["seconds"] for p in plans)
    floor_s = statistics.median(f["seconds"] for f in floors)
    return {
        "label": label,
        "resources": plans[0]["resources"],
        "custom": plans[0]["custom"],
        "floor_resources": floors[0]["resources"],
        "plan_s": plan_s,
        "plan_mb": max(p["peak_mb"] for p in plans),
        "plan_base_mb": statistics.median(p["base_mb"] for p in plans),
        "floor_s": floor_s,
        "floor_mb": max(f["peak_mb"] for f in floors),
        "floor_base_mb": statistics.median(f["base_mb"] for f in floors),
        "ratio": plan_s / floor_s,
        "warmup_s": statistics.median(p["warmup_seconds"] for p in plans),
    }


def print_rows(
    title: str, header: str, rows: list[dict[str, Any]], line: Callable[[dict[str, Any]], str]
) -> None:
    """A table: title, header, rule, then `line(row)` for each row (FAILED and its error for a failed one)."""
    print(f"\n{title}")
    print(header)
    print("─" * len(header))
    for row in rows:
        print(f"{row['label']:<16}  FAILED: {row['error']}" if "error" in row else line(row))


def synthetic_rows(rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The measured rows of synthetic stacks, by their size (`synthetic 1,000` -> 1000)."""
    return {
        int(r["label"].split()[-1].replace(",", "")): r
        for r in rows
        if "error" not in r and r["label"].startswith("synthetic")
    }


def print_table(rows: list[dict[str, Any]], runs: int) -> None:
    print_rows(
        f"Offline plan vs the mock runtime's floor (median of {runs} run(s); peak RSS, max over runs)",
        f"{'stack':<16}{'resources':>10}{'custom':>8} │{'plan s':>9}{'peak MB':>9} │"
        f"{'floor s':>9}{'peak MB':>9} │{'plan/floor':>11}",
        rows,
        lambda row: (
            f"{row['label']:<16}{row['resources']:>10,}{row['custom']:>8,} │{row['plan_s']:>9.2f}"
            f"{row['plan_mb']:>9.0f} │{row['floor_s']:>9.2f}{row['floor_mb']:>9.0f} │{row['ratio']:>10.2f}x"
        ),
    )
    ok = [r for r in rows if "error" not in r]
    if ok:
        print(
            "  (resources: every registration of the plan, components included; custom: what the floor "
            "declares.\n   Baseline RSS before the timed run: plan "
            f"{statistics.median(r['plan_base_mb'] for r in ok):.0f} MB (provider SDKs loaded), floor "
            f"{statistics.median(r['floor_base_mb'] for r in ok):.0f} MB.)"
        )
        named = [r for r in ok if not r["label"].startswith("synthetic")]
        if named:
            print(
                "  First plan in a fresh process (SDK imports included, not in the table): "
                + ", ".join(f"{r['label']} {r['warmup_s']:.2f} s" for r in named)
            )

    synthetic = synthetic_rows(rows)
    if synthetic:
        parts = [
            f"{n:,} → {r['plan_s'] * 1000 / r['resources']:.2f} | {r['floor_s'] * 1000 / r['custom']:.2f}"
            for n, r in sorted(synthetic.items())
        ]
        print(
            "growth, ms per resource (plan per registration | floor per custom resource): " + "; ".join(parts)
        )

    print("\nAim:")
    failed = [r for r in rows if "error" in r and r["label"].startswith("synthetic")]
    measured = [synthetic[n] for n in sorted(synthetic)]
    if not measured or failed:
        print(
            "  plan ≤ 1.5x floor at every size: not measured"
            + (f" ({len(failed)} size(s) failed)" if failed else "")
        )
    else:
        worst = max(measured, key=lambda r: r["ratio"])
        holds = worst["ratio"] <= AIM_RATIO
        print(
            f"  plan ≤ {AIM_RATIO}x floor at every size: {'yes' if holds else 'NO'} "
            f"(worst {worst['ratio']:.2f}x at {worst['label']})"
        )
    if 1000 in synthetic and 5000 in synthetic:
        small, large = synthetic[1000], synthetic[5000]
        growth = (large["plan_s"] / large["resources"]) / (small["plan_s"] / small["resources"])
        print(
            f"  roughly linear (ms/resource at 5,000 ≤ {AIM_GROWTH}x that at 1,000): "
            f"{'yes' if growth <= AIM_GROWTH else 'NO'} ({growth:.2f}x)"
        )
    else:
        print("  roughly linear: not measured (needs sizes 1000 and 5000)")
    for row in (r for r in rows if "error" not in r and not r["label"].startswith("synthetic")):
        print(
            f"  ({row['label']}: {row['ratio']:.2f}x, small stack, fixed costs dominate; not part of the aim)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median time)")
    parser.add_argument("--sizes", default="100,1000,5000", help="synthetic stack sizes (secrets)")
    parser.add_argument("--worker", choices=["plan", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--project", help=argparse.SUPPRESS)
    parser.add_argument("--stack", help=argparse.SUPPRESS)
    parser.add_argument("--warmup-stack", help=argparse.SUPPRESS)
    parser.add_argument("--resources-out", help=argparse.SUPPRESS)
    parser.add_argument("--resources-in", help=argparse.SUPPRESS)
    parser.add_argument("--region", default="", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return run_worker(args, worker_plan if args.worker == "plan" else worker_floor)

    import yaml

    sizes = [int(s) for s in args.sizes.replace("_", "").split(",") if s.strip()]
    dev_doc = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    rows = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as tmp_name:
        tmp = Path(tmp_name)
        for stack in ("dev", "prod"):
            rows.append(measure(stack, ROOT, stack, stack, args.runs, tmp))
        for n in sizes:
            project = synthetic_project(tmp, dev_doc, n)
            rows.append(measure(f"synthetic {n:,}", project, "synth", "dev", args.runs, tmp))
    print_table(rows, args.runs)
    print(f"\n(bench took {time.perf_counter() - started:.0f} s on {os.cpu_count()} CPU(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
