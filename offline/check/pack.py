"""The policy pack served by its own process and driven over the engine's analyzer protocol.

The engine starts a Python pack as `python -u -m pulumi.policy <engine-address> <packdir>` with the
pack directory as working directory; the check starts it the same way, with pulumi-policy's servicer
swapped for `offline.check.servicer.SharedRequestServicer` (each request deserialized once; the
pack's own files unchanged). `unmodified=True` starts it exactly as the engine does (the tests
compare both). The engine address is not used by `pulumi.policy` (the pack only serves, and logs to
stderr when no engine is configured), so a placeholder address is passed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import grpc
import yaml
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from offline.check import wire
from offline.runtime import Registration

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
"""The policy pack of this repository (`policies/PulumiPolicy.yaml`)."""
REPOSITORY = PACK_DIR.parent
ENGINE_ADDRESS = "127.0.0.1:0"
"""What `pulumi.policy` receives as the engine address; it never connects to it."""


class PackError(Exception):
    """The policy pack did not start or stopped answering."""


def _pack_project(pack_dir: Path) -> dict[str, Any]:
    doc = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
    return doc if isinstance(doc, dict) else {}


def pack_version(pack_dir: Path) -> str:
    """The pack's version as the CLI takes it: PulumiPolicy.yaml's, else the SDK's 0.0.1."""
    return str(_pack_project(pack_dir).get("version") or "0.0.1")


def pack_python(pack_dir: Path) -> str:
    """The interpreter the engine would use: `runtime.options.virtualenv` of PulumiPolicy.yaml."""
    doc = _pack_project(pack_dir)
    runtime = doc.get("runtime")
    options = runtime.get("options", {}) if isinstance(runtime, dict) else doc.get("options", {})
    venv = (options or {}).get("virtualenv")
    if venv:
        # Not resolved: the venv's python is a symlink, and resolving it would leave the venv.
        python = Path(os.path.normpath(pack_dir / venv / "bin" / "python"))
        if python.exists():
            return str(python)
    return sys.executable


def pack_environment(project: str, stack: str, *, with_repository: bool) -> dict[str, str]:
    """The environment the engine gives a pack's process; `with_repository` lets the pack's own
    interpreter import a server module of this repository (`offline.check.servicer`, `.piped`)."""
    env = {
        **os.environ,
        "PULUMI_PROJECT": project or "secrets-platform",
        "PULUMI_STACK": stack or "check",
        "PULUMI_DRY_RUN": "true",
    }
    if with_repository:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPOSITORY), env.get("PYTHONPATH")]))
    return env


class PolicyPackProcess:
    """A policy pack served by its own process, as the engine runs it; use as a context manager."""

    def __init__(
        self,
        pack_dir: Path = PACK_DIR,
        *,
        project: str = "",
        stack: str = "",
        timeout: float = 60.0,
        unmodified: bool = False,
    ) -> None:
        self.pack_dir = pack_dir.resolve()
        self.project = project
        self.stack = stack
        self.timeout = timeout
        self.unmodified = unmodified
        """Serve with pulumi-policy's own servicer (`python -m pulumi.policy`), as the engine does."""
        self.process: subprocess.Popen[bytes] | None = None
        self.channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self._stderr: Any = None
        self._info: analyzer_pb2.AnalyzerInfo | None = None

    def __enter__(self) -> PolicyPackProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def stub(self) -> analyzer_pb2_grpc.AnalyzerStub:
        if self._stub is None:
            raise PackError("the policy pack is not running (use PolicyPackProcess as a context manager)")
        return self._stub

    @property
    def info(self) -> analyzer_pb2.AnalyzerInfo:
        if self._info is None:
            raise PackError("the policy pack is not running (use PolicyPackProcess as a context manager)")
        return self._info

    def start(self) -> None:
        env = pack_environment(self.project, self.stack, with_repository=not self.unmodified)
        module = "pulumi.policy" if self.unmodified else "offline.check.servicer"
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        command = [pack_python(self.pack_dir), "-u", "-m", module, ENGINE_ADDRESS, str(self.pack_dir)]
        self.process = subprocess.Popen(
            command, cwd=self.pack_dir, stdout=subprocess.PIPE, stderr=self._stderr, env=env
        )
        port = self._read_port(self.process)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(self.channel).result(timeout=self.timeout)
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
        self._info = self._stub.GetAnalyzerInfo(empty_pb2.Empty())

    def _read_port(self, process: subprocess.Popen[bytes]) -> int:
        stdout = process.stdout
        if stdout is None:
            raise PackError("the policy pack was started without a standard output to read its port from")
        line: list[bytes] = []
        reader = threading.Thread(target=lambda: line.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.timeout)
        text = line[0].decode().strip() if line else ""
        if not text.isdigit():
            errors = self.stderr() or "no output"
            self.close()
            raise PackError(f"the policy pack in {self.pack_dir} did not start: {errors}")
        return int(text)

    def stderr(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace").strip()[-4000:]

    def close(self) -> None:
        if self.channel is not None:
            self.channel.close()
            self.channel = None
        self._stub = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    # -- the analyzer protocol --------------------------------------------------------------

    def policies(self) -> dict[str, analyzer_pb2.PolicyInfo]:
        return {p.name: p for p in self.info.policies}

    def configure(self, config: dict[str, tuple[str, dict[str, Any]]]) -> None:
        """Send each policy's enforcement level and properties (`effective_config`)."""
        configure, stack = configure_requests(config, self.project, self.stack)
        self.stub.Configure(configure)
        self.stub.ConfigureStack(stack)

    def analyze(self, registrations: list[Registration]) -> list[analyzer_pb2.AnalyzeDiagnostic]:
        return analyze_all(self.stream(), registrations)

    def stream(self) -> AnalyzeStream:
        """Analyze resources as they are registered, while the program still runs."""
        return AnalyzeStream(self.stub)


def analyze_all(stream: Any, registrations: list[Registration]) -> list[analyzer_pb2.AnalyzeDiagnostic]:
    """`Analyze` every resource through a pack's stream, then `AnalyzeStack` once, as the engine does
    in a preview (each pack's `analyze`)."""
    for reg in registrations:
        stream.submit(reg)
    return stream.finish()


def configure_requests(
    config: dict[str, tuple[str, dict[str, Any]]], project: str, stack: str
) -> tuple[analyzer_pb2.ConfigureAnalyzerRequest, analyzer_pb2.AnalyzerStackConfigureRequest]:
    """`Configure` (each policy's level and properties) and `ConfigureStack`, as the engine sends them."""
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for name, (level, properties) in config.items():
        policy_config = analyzer_pb2.PolicyConfig(
            enforcementLevel=analyzer_pb2.EnforcementLevel.Value(level.upper())
        )
        policy_config.properties.update(properties)
        request.policyConfig[name].CopyFrom(policy_config)
    stack_request = analyzer_pb2.AnalyzerStackConfigureRequest(
        stack=stack, project=project, organization="organization", dry_run=True
    )
    return request, stack_request


class AnalyzeStream:
    """`Analyze` calls issued without waiting as resources register, then one `AnalyzeStack`.

    The registering thread marshals each registration (`offline.check.wire`) and sends it with
    `Analyze.future`: gRPC carries it off the interpreter lock, and the pack's process evaluates it on
    the other core while the program goes on. `finish` collects the answers in registration order (the
    order of a sequential check). A resource policy's diagnostic carries no URN (the engine knows
    which resource it asked about); it is filled in here, as the engine does.
    """

    def __init__(self, stub: Any) -> None:
        self.stub = stub
        self.by_urn: dict[str, Registration] = {}
        self.resources: list[analyzer_pb2.AnalyzerResource] = []
        self.pending: list[tuple[str, grpc.Future]] = []
        self._lock = threading.Lock()

    def submit(self, reg: Registration) -> None:
        request, resource = wire.requests(reg, self.by_urn)
        with self._lock:
            self.by_urn[reg.urn] = reg
            self.resources.append(resource)
            self.pending.append((reg.urn, self.stub.Analyze.future(request)))

    def send_finish(self) -> None:
        """Nothing to start ahead here: `finish` waits for the answers, then asks `AnalyzeStack`."""

    def finish(self) -> list[analyzer_pb2.AnalyzeDiagnostic]:
        diagnostics: list[analyzer_pb2.AnalyzeDiagnostic] = []
        for urn, future in self.pending:
            for diagnostic in future.result().diagnostics:
                if not diagnostic.urn:
                    diagnostic.urn = urn
                diagnostics.append(diagnostic)
        stack = self.stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=self.resources))
        diagnostics.extend(stack.diagnostics)
        return diagnostics

    def abandon(self) -> None:
        """Drop what is in flight without analyzing the stack (the program failed)."""
        for _, future in self.pending:
            future.cancel()
        self.pending.clear()
