"""What the content-addressed rotation function package saves on a plan that changes nothing of it.

    .venv/bin/python bench/package.py [--runs 5]

Builds the Azure rotation function's package (`functions/keyvault_rotation` with its dependencies,
about 21 MB) into a temporary directory: a fresh build (no package there, as on a clean checkout),
then the reuse that every later plan gets (same inputs: only the inputs' hash is computed). Prints
the median of `--runs` of each, and their ratio, measured in this one run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from functions.package import build_function_app_zip  # noqa: E402

SOURCE = ROOT / "functions" / "keyvault_rotation"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    fresh, reused = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            package = Path(tmp) / str(run) / "keyvault-rotation.zip"
            start = time.perf_counter()
            build_function_app_zip(SOURCE, package)
            fresh.append(time.perf_counter() - start)
            start = time.perf_counter()
            build_function_app_zip(SOURCE, package)
            reused.append(time.perf_counter() - start)
        size_mb = package.stat().st_size / 1e6
    fresh_s, reused_s = statistics.median(fresh), statistics.median(reused)
    print(f"package {size_mb:.1f} MB, median of {runs}")
    print(f"fresh build   {fresh_s * 1000:8.1f} ms")
    print(f"reused        {reused_s * 1000:8.1f} ms")
    print(f"fresh/reused  {fresh_s / reused_s:8.1f}x")


if __name__ == "__main__":
    main()
