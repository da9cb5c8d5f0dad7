"""The pack evaluated in a child process fed over a pipe, on the other core while the program runs.

The engine sends a pack one gRPC call per resource. Over gRPC the calls cost more than the policies
(a round trip each, and the client's completion thread competes with the program for the interpreter
lock); evaluated in the check's own process they take the program's core. Here each registration is
written, as JSON, to the child's standard input the moment it arrives, without waiting for anything;
the child (`python -m offline.check.piped <packdir>`, started as the pack's own process is, with the
pack's interpreter, working directory and environment) is `InProcessPack` in a process of its own:
it builds the very requests of the analyzer protocol (`offline.check.wire`) and hands them to the
servicer the pack's `__main__.py` builds (`SharedRequestServicer`, the runtime configured as in the
pack's own process). The diagnostics come back when the check asks for them (`finish`). The policy
list (`GetAnalyzerInfo`) is read from the pack loaded in the check's process: the same pack.

Frames: one byte (what), four bytes (length, big-endian), the payload. The child writes only when
asked, so neither side can fill a pipe the other is not reading.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from pulumi.runtime.proto import analyzer_pb2

from offline.check.inprocess import InProcessPack
from offline.check.pack import PACK_DIR, PackError, analyze_all, pack_environment, pack_python
from offline.runtime import Registration

HEADER = struct.Struct("!BI")
CONFIGURE, SUBMIT, FINISH, ABANDON = range(1, 5)
OK, FAILED = 0, 1
BUFFER = 1 << 16
"""Bytes of frames gathered before a write to the pipe (a 1,000-secret stack is about 3 MB)."""
PIPE_SIZE = 1 << 20
"""The pipe's own buffer (Linux's default limit for an unprivileged process): the program goes on while
the child is still loading the pack, instead of waiting for it to read."""
FIELDS = [f.name for f in dataclasses.fields(Registration) if f.name != "walked"]
"""What a registration carries to the child (`walked` is the plan's cache, not the engine's)."""


def _write(out: IO[bytes], kind: int, payload: bytes) -> None:
    out.write(HEADER.pack(kind, len(payload)))
    out.write(payload)


def _read(stream: IO[bytes]) -> tuple[int, bytes] | None:
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    kind, size = HEADER.unpack(header)
    payload = stream.read(size)
    return (kind, payload) if len(payload) == size else None


class PipedStream:
    """`AnalyzeStream`'s interface: each registration goes to the child as it arrives."""

    def __init__(self, pack: PipedPack) -> None:
        self.pack = pack
        self.finishing = False

    def submit(self, reg: Registration) -> None:
        self.pack._send(SUBMIT, json.dumps([getattr(reg, name) for name in FIELDS]).encode())

    def send_finish(self) -> None:
        """Ask for the answers and `AnalyzeStack` now; the child works on them while the caller goes on."""
        if not self.finishing:
            self.pack._send(FINISH, b"", flush=True)
            self.finishing = True

    def finish(self) -> list[analyzer_pb2.AnalyzeDiagnostic]:
        self.send_finish()
        return list(analyzer_pb2.AnalyzeResponse.FromString(self.pack._answer()).diagnostics)

    def abandon(self) -> None:
        self.pack._send(ABANDON, b"", flush=True)


class PipedPack:
    """`PolicyPackProcess`'s interface, the pack in a child process fed over a pipe; a context manager."""

    def __init__(self, pack_dir: Path = PACK_DIR, *, project: str = "", stack: str = "") -> None:
        self.pack_dir = pack_dir.resolve()
        self.project = project
        self.stack = stack
        self.local = InProcessPack(self.pack_dir, project=project, stack=stack)
        self.info: analyzer_pb2.AnalyzerInfo | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None
        self._broken = False

    def __enter__(self) -> PipedPack:
        self._stderr = tempfile.TemporaryFile()  # closed by __exit__
        self.process = subprocess.Popen(
            [pack_python(self.pack_dir), "-m", "offline.check.piped", str(self.pack_dir)],
            cwd=self.pack_dir,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=pack_environment(self.project, self.stack, with_repository=True),
            bufsize=BUFFER,
            pipesize=PIPE_SIZE,
        )
        try:
            self.info = self.local.__enter__().info  # while the child loads the same pack
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.local.__exit__()
        process, self.process = self.process, None
        if process is not None:
            for stream in (process.stdin, process.stdout):
                try:
                    if stream is not None:
                        stream.close()  # the child stops at the end of its input
                except OSError:
                    pass
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _send(self, kind: int, payload: bytes, *, flush: bool = False) -> None:
        """Write a frame; a child that stopped is reported when its answer is asked for."""
        stdin = self.process.stdin if self.process is not None else None
        if self._broken or stdin is None:
            self._broken = True
            return
        try:
            _write(stdin, kind, payload)
            if flush:
                stdin.flush()
        except (BrokenPipeError, ValueError):
            self._broken = True

    def _answer(self) -> bytes:
        stdout = self.process.stdout if self.process is not None else None
        frame = _read(stdout) if stdout is not None else None
        if frame is None:
            raise PackError(f"the policy pack in {self.pack_dir} stopped answering: {self._child_error()}")
        kind, payload = frame
        if kind != OK:
            raise PackError(f"the policy pack failed: {payload.decode(errors='replace')}")
        return payload

    def _child_error(self) -> str:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self._stderr is None:
            return "no output"
        self._stderr.seek(0)
        lines = self._stderr.read().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else "no output"

    # -- the interface of PolicyPackProcess ---------------------------------------------------

    def policies(self) -> dict[str, analyzer_pb2.PolicyInfo]:
        return self.local.policies()

    def configure(self, config: dict[str, tuple[str, dict[str, Any]]]) -> None:
        self._send(CONFIGURE, json.dumps(config).encode())

    def analyze(self, registrations: list[Registration]) -> list[analyzer_pb2.AnalyzeDiagnostic]:
        return analyze_all(self.stream(), registrations)

    def stream(self) -> PipedStream:
        return PipedStream(self)


# -- the child ---------------------------------------------------------------------------------


def serve(frames_in: IO[bytes], frames_out: IO[bytes], pack: InProcessPack) -> None:
    """Answer frames until the input ends. A failure is the answer to the next `FINISH`."""
    stream = pack.stream()
    failure: str | None = None
    while (frame := _read(frames_in)) is not None:
        kind, payload = frame
        try:
            if kind == CONFIGURE:
                config = json.loads(payload)
                pack.configure({name: (level, props) for name, (level, props) in config.items()})
            elif kind == SUBMIT and failure is None:
                stream.submit(Registration(**dict(zip(FIELDS, json.loads(payload), strict=True))))
            elif kind == ABANDON:
                stream.abandon()
                stream, failure = pack.stream(), None
            elif kind == FINISH:
                if failure is not None:
                    raise RuntimeError(failure)
                diagnostics = stream.finish()
                _write(
                    frames_out, OK, analyzer_pb2.AnalyzeResponse(diagnostics=diagnostics).SerializeToString()
                )
                frames_out.flush()
                stream = pack.stream()
        except Exception as error:  # the check reports it, as the engine reports a pack's error
            failure = failure or f"{type(error).__name__}: {error}"
            if kind == FINISH:
                _write(frames_out, FAILED, failure.encode())
                frames_out.flush()
                stream, failure = pack.stream(), None


def main() -> None:
    """`python -m offline.check.piped <packdir>`: load the pack and answer frames on stdin/stdout."""
    frames_in = os.fdopen(os.dup(0), "rb", buffering=BUFFER)
    frames_out = os.fdopen(os.dup(1), "wb", buffering=BUFFER)
    os.dup2(2, 1)  # whatever the pack prints goes to stderr, never into a frame
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)  # and nothing it reads comes out of one
    # A process that lives for one check: what it allocates goes with it. Cyclic collections over
    # everything the requests allocated (the pack keeps each resource for `AnalyzeStack`) would cost
    # more than the policies.
    gc.disable()
    pack = InProcessPack(
        Path(sys.argv[1]),
        project=os.environ.get("PULUMI_PROJECT", ""),
        stack=os.environ.get("PULUMI_STACK", ""),
        configure_runtime=True,
    )
    with pack:
        serve(frames_in, frames_out, pack)
    frames_out.close()
    sys.stderr.flush()
    # Nothing is left to write or clean up: leave without tearing down every object the check made.
    os._exit(0)


if __name__ == "__main__":
    main()
