"""The policy pack evaluated in the check's own process, with the same servicer and the same requests.

The pack's `__main__.py` runs as the engine would run it, except that the servicer it builds is kept
instead of served: `PolicyPack(...)` builds `SharedRequestServicer(...)`, which is captured, and the
pack stops there before any gRPC server starts. The check then calls the servicer's methods directly
with the very requests it would send over the protocol (`offline.check.wire`): no serialization, no
second process, and the policies run on the registering thread as each resource registers.

The runtime is not configured in-process: the pack would replace the mock runtime's settings
(`pulumi.runtime.configure`) that the program is running under.
"""

from __future__ import annotations

import os
import runpy
import sys
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import policy as policy_module

from offline.check import servicer as servicer_module
from offline.check.pack import PACK_DIR, AnalyzeStream, PackError, analyze_all, configure_requests


class _Captured(Exception):
    """Raised by the captured servicer's constructor to stop `PolicyPack` before it serves."""

    def __init__(self, servicer: Any) -> None:
        super().__init__("servicer captured")
        self.servicer = servicer


class _InProcessServicer(servicer_module.SharedRequestServicer):
    """The shared servicer, without configuring the runtime (the mock runtime is the check's)."""

    def _configure_once(self) -> None:
        self._configured = True


class _CapturingServicer(_InProcessServicer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        raise _Captured(self)


class _CapturingOwnServicer(servicer_module.SharedRequestServicer):
    """The shared servicer as the pack's own process has it (the runtime configured), captured."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        raise _Captured(self)


@contextmanager
def _pack_environment(pack_dir: Path, capturing: type):
    """The pack's working directory and `sys.path` as the engine gives them, restored afterwards."""
    previous_cwd, previous_path = os.getcwd(), list(sys.path)
    original = policy_module._PolicyAnalyzerServicer
    os.chdir(pack_dir)
    sys.path.insert(0, str(pack_dir))
    policy_module._PolicyAnalyzerServicer = capturing  # type: ignore[misc]
    try:
        yield
    finally:
        policy_module._PolicyAnalyzerServicer = original  # type: ignore[misc]
        sys.path[:] = previous_path
        os.chdir(previous_cwd)


def load_servicer(pack_dir: Path = PACK_DIR, *, configure_runtime: bool = False) -> Any:
    """The servicer the pack's `__main__.py` builds, captured before it serves.

    `configure_runtime` keeps the servicer's own runtime configuration, for a process that runs
    nothing but the pack (`offline.check.piped`'s child).
    """
    servicer_module.check_servicer()
    with _pack_environment(pack_dir, _CapturingOwnServicer if configure_runtime else _CapturingServicer):
        try:
            runpy.run_path(str(pack_dir / "__main__.py"), run_name="__main__")
        except _Captured as captured:
            return captured.servicer
    raise PackError(f"the policy pack in {pack_dir} built no PolicyPack")


class _Call:
    """One analyzer method, called directly: `call(request)` and `call.future(request)`."""

    def __init__(self, method: Any) -> None:
        self.method = method

    def __call__(self, request: Any) -> Any:
        return self.method(request, None)

    def future(self, request: Any) -> Future[Any]:
        done: Future[Any] = Future()
        try:
            done.set_result(self.method(request, None))
        except Exception as error:  # handed to the caller by `result()`, as a gRPC future does
            done.set_exception(error)
        return done


class _DirectStub:
    """The analyzer protocol's stub, answered by the servicer in this process."""

    def __init__(self, servicer: Any) -> None:
        self.GetAnalyzerInfo = _Call(servicer.GetAnalyzerInfo)
        self.Configure = _Call(servicer.Configure)
        self.ConfigureStack = _Call(servicer.ConfigureStack)
        self.Analyze = _Call(servicer.Analyze)
        self.AnalyzeStack = _Call(servicer.AnalyzeStack)


class InProcessPack:
    """`PolicyPackProcess`'s interface, the pack evaluated in this process; use as a context manager."""

    def __init__(
        self,
        pack_dir: Path = PACK_DIR,
        *,
        project: str = "",
        stack: str = "",
        configure_runtime: bool = False,
    ) -> None:
        self.pack_dir = pack_dir.resolve()
        self.project = project
        self.stack = stack
        self.configure_runtime = configure_runtime
        """Let the servicer configure the runtime (in a process of its own, `offline.check.piped`)."""
        self.stub: _DirectStub | None = None
        self.info: analyzer_pb2.AnalyzerInfo | None = None

    def __enter__(self) -> InProcessPack:
        self.stub = _DirectStub(load_servicer(self.pack_dir, configure_runtime=self.configure_runtime))
        self.info = self.stub.GetAnalyzerInfo(empty_pb2.Empty())
        return self

    def __exit__(self, *exc: object) -> None:
        self.stub = None

    def _stub(self) -> _DirectStub:
        if self.stub is None:
            raise PackError("the policy pack is not loaded (use InProcessPack as a context manager)")
        return self.stub

    def policies(self) -> dict[str, analyzer_pb2.PolicyInfo]:
        if self.info is None:
            raise PackError("the policy pack is not loaded (use InProcessPack as a context manager)")
        return {p.name: p for p in self.info.policies}

    def configure(self, config: dict[str, tuple[str, dict[str, Any]]]) -> None:
        configure, stack = configure_requests(config, self.project, self.stack)
        self._stub().Configure(configure)
        self._stub().ConfigureStack(stack)

    def analyze(self, registrations: list[Any]) -> list[analyzer_pb2.AnalyzeDiagnostic]:
        return analyze_all(self.stream(), registrations)

    def stream(self) -> AnalyzeStream:
        return AnalyzeStream(self._stub())
