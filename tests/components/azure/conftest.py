"""Fixtures of the Azure tests: the shipped prod (Azure) stack's registrations, planned once per process."""

from __future__ import annotations

import pytest

from offline.plan import capture_stack
from offline.runtime import Capture
from tests.conftest import ROOT


@pytest.fixture(scope="session")
def prod() -> Capture:
    """What the prod stack's program registers under the offline runtime."""
    _, capture, _ = capture_stack(ROOT, "prod")
    return capture
