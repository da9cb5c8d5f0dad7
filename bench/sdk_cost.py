"""What declaring a secret costs under the offline runtime, layer by layer, in one run.

    .venv/bin/python bench/sdk_cost.py [--secrets 1000] [--runs 3]

N generated secrets (a RandomPassword and a Kubernetes Secret each) declared four ways through the
same `run_program()` and `PlanMocks` as the plan, under the plan's collector regime:

- flat: `pulumi.CustomResource` with literal inputs (bench/plan.py's floor);
- sdk: the same literal inputs through the provider SDK classes (`random.RandomPassword`,
  `k8s.core.v1.Secret`);
- wired: the password's `result` into the Secret, as `KubernetesSecret` wires it;
- component: `wired`, each pair inside a component of its own.

It prints the median of each and its ratio to `flat`: what the plan pays, before any code of ours,
for the SDK's typed classes and for component levels (see bench/README.md, plan/floor).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from offline.mocks import PlanMocks
from offline.runtime import collector_paused, run_program

METADATA = {"namespace": "team"}


def flat(n: int) -> None:
    for i in range(n):
        pulumi.CustomResource(
            "random:index/randomPassword:RandomPassword",
            f"pw-{i}",
            {"length": 32, "special": True, "keepers": {"version": "1"}},
        )
        pulumi.CustomResource(
            "kubernetes:core/v1:Secret",
            f"s-{i}",
            {
                "metadata": {**METADATA, "name": f"s-{i}-v1"},
                "type": "Opaque",
                "immutable": True,
                "stringData": pulumi.Output.secret({"password": "x"}),
            },
        )


def sdk(n: int) -> None:
    for i in range(n):
        random.RandomPassword(f"pw-{i}", length=32, special=True, keepers={"version": "1"})
        k8s.core.v1.Secret(
            f"s-{i}",
            metadata={**METADATA, "name": f"s-{i}-v1"},
            type="Opaque",
            immutable=True,
            string_data=pulumi.Output.secret({"password": "x"}),
        )


def _wired(i: int, opts: pulumi.ResourceOptions | None) -> None:
    password = random.RandomPassword(f"pw-{i}", length=32, special=True, keepers={"version": "1"}, opts=opts)
    k8s.core.v1.Secret(
        f"s-{i}",
        metadata={**METADATA, "name": f"s-{i}-v1"},
        type="Opaque",
        immutable=True,
        string_data=pulumi.Output.secret(pulumi.Output.all(password=password.result)),
        opts=opts,
    )


def wired(n: int) -> None:
    for i in range(n):
        _wired(i, None)


def component(n: int) -> None:
    for i in range(n):
        parent = pulumi.ComponentResource("bench:index:Secret", f"c-{i}")
        _wired(i, pulumi.ResourceOptions(parent=parent))
        parent.register_outputs({})


WAYS: list[Callable[[int], None]] = [flat, sdk, wired, component]


def measure(way: Callable[[int], None], n: int) -> float:
    with collector_paused(freeze=True):
        started = time.perf_counter()
        run_program(
            lambda: way(n),
            project="bench",
            stack="sdk-cost",
            config={},
            secret_keys=[],
            plan_mocks=PlanMocks("eu-west-1", "bench"),
        )
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--secrets", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    for way in WAYS:
        measure(way, 20)  # untimed: the SDK modules' first use
    times: dict[str, list[float]] = {way.__name__: [] for way in WAYS}
    for _ in range(args.runs):
        for way in WAYS:  # interleaved, so load on the machine falls on every way alike
            times[way.__name__].append(measure(way, args.secrets))
            gc.collect()
    base = statistics.median(times["flat"])
    print(f"{args.secrets:,} generated secrets, median of {args.runs}")
    for name, runs in times.items():
        median = statistics.median(runs)
        print(f"{name:<10} {median:6.2f} s  {median / base:5.2f}x flat")
    return 0


if __name__ == "__main__":
    sys.exit(main())
