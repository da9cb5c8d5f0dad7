"""The suite refuses to pass with a skipped test (tests/conftest.py): a skip is a check that did not run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def _run(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_sample.py").write_text(body, encoding="utf-8")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "tests.conftest",
            "-p",
            "no:cacheprovider",
            str(tmp_path),
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_skipped_test_fails_the_session(tmp_path: Path) -> None:
    done = _run(tmp_path, "import pytest\n\ndef test_a():\n    pytest.skip('no tool here')\n")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 test(s) skipped; no test may skip" in done.stdout


def test_a_session_without_skips_passes(tmp_path: Path) -> None:
    done = _run(tmp_path, "def test_a():\n    assert 1 + 1 == 2\n")
    assert done.returncode == 0, done.stdout + done.stderr
