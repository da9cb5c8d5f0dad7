"""Run the unchanged `__main__.py` under Pulumi's mock runtime and capture what it registers.

The monitor sees every `RegisterResourceRequest` whole: inputs with their secret markers and the
resource options a policy or a reviewer cares about. The runtime is set up by hand instead of with
`set_mocks`, which creates and finishes its own root stack at once, so exports would never register.
"""

from __future__ import annotations

import asyncio
import gc
import io
import logging
import math
import os
import runpy
import sys
from collections.abc import Callable
from contextlib import contextmanager, redirect_stderr, redirect_stdout, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import mocks, rpc, settings
from pulumi.runtime.proto import resource_pb2

SECRET_SIG = rpc._special_secret_sig
SIG_KEY = rpc._special_sig_key
RESOURCE_SIG = rpc._special_resource_sig
UNKNOWN = rpc.UNKNOWN

# Modules of this project that a previous run may have imported with another stack's config.
PROJECT_PACKAGES = ("components", "config")


@dataclass
class Registration:
    """One `RegisterResourceRequest`, decoded."""

    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    provider: str
    inputs: dict[str, Any]
    secret_paths: list[str]
    unknown_paths: list[str]
    options: dict[str, Any]
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    walked: Any = field(default=None, repr=False, compare=False)
    """The inputs walked once (`offline.plan.input_leaves`), kept for the passes that read them."""


@dataclass
class Capture:
    """Everything a run registered and logged."""

    resources: list[Registration] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    output_secret_paths: list[str] = field(default_factory=list)
    """Paths of stack outputs the program exported as secrets (`pulumi.Output.secret`, a secret output)."""
    logs: list[tuple[str, str]] = field(default_factory=list)
    """Log records of the run (the program's own `logging` calls, `pulumi.log`), as (level, message)."""
    stdout: str = ""
    """What the program printed on standard output during the run (the Pulumi CLI would show it)."""
    stderr: str = ""
    """What the program printed on standard error during the run."""
    secret_outputs: set[str] = field(default_factory=set)
    """Values the engine would mark secret in provider outputs (additionalSecretOutputs)."""
    missing_reads: set[str] = field(default_factory=set)
    """Output-type properties the program read but the mocks did not return (`Class.property`)."""
    listeners: list[Callable[[Registration], None]] = field(default_factory=list)
    """Called with each registration as it arrives (the policy check analyzes while the program runs)."""


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def decode(value: Any, path: str, secrets: list[str], unknowns: list[str]) -> Any:
    """Unwrap the wire format: record secret and unknown paths, turn references into URNs."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            secrets.append(path)
            return decode(value.get("value"), path, [], unknowns)
        if sig == RESOURCE_SIG:
            return value.get("urn", "")
        return {k: decode(v, join(path, k), secrets, unknowns) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v, join(path, i), secrets, unknowns) for i, v in enumerate(value)]
    if value == UNKNOWN:
        unknowns.append(path)
    return value


def struct_dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    """`json_format.MessageToDict` of a `Struct`, without its per-field descriptor dispatch.

    The same dict (numbers as floats, nulls as None, keys in the Struct's order), and the same
    `ValueError` on a number JSON cannot hold; tests/offline/test_runtime.py compares the two.
    """
    return {key: _value(value) for key, value in struct.fields.items()}


def _value(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "struct_value":
        return {key: _value(item) for key, item in value.struct_value.fields.items()}
    if kind == "list_value":
        return [_value(item) for item in value.list_value.values]
    if kind == "number_value":
        number = value.number_value
        if math.isinf(number) or math.isnan(number):
            raise ValueError(f"Fail to serialize {number} for Value.number_value")
        return number
    if kind == "bool_value":
        return value.bool_value
    return None


ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


def engine_urn(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    """A resource's URN as the engine makes it (`generateURN` in pulumi/pulumi's deployment code): the
    parent's whole qualified type chain, then the type, with the root stack's type left out.

    The SDK's mock monitor keeps only the parent's last type, so a grandchild would lose its
    grandparent; every URN in plans, reports and `pulumi state` advice must be the engine's own.
    """
    if parent:
        qualified = parent.split("::")[2]
        if qualified.split("$")[-1] != ROOT_STACK_TYPE:
            type_ = f"{qualified}${type_}"
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


class CaptureMonitor(mocks.MockMonitor):
    """A mock monitor that records every registration and marks secret outputs as the engine does."""

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        return engine_urn(pulumi.get_stack(), pulumi.get_project(), parent, type_, name)

    def __init__(self, plan_mocks: mocks.Mocks, capture: Capture, on_register: Callable[[int], None]) -> None:
        super().__init__(plan_mocks)
        self.capture = capture
        self.on_register = on_register

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        raw = struct_dict(request.object) if request.HasField("object") else {}
        secrets: list[str] = []
        unknowns: list[str] = []
        inputs = decode(raw, "", secrets, unknowns)
        options = {
            "protect": request.protect if request.HasField("protect") else False,
            "retainOnDelete": request.retainOnDelete if request.HasField("retainOnDelete") else False,
            "deleteBeforeReplace": request.deleteBeforeReplace
            if request.deleteBeforeReplaceDefined
            else None,
            "dependsOn": sorted(request.dependencies),
            "ignoreChanges": list(request.ignoreChanges),
            "replaceOnChanges": list(request.replaceOnChanges),
            "aliases": [a.urn or json_format.MessageToDict(a.spec) for a in request.aliases]
            + list(request.aliasURNs),
            "additionalSecretOutputs": list(request.additionalSecretOutputs),
            "deletedWith": request.deletedWith,
        }
        self.capture.resources.append(
            Registration(
                type=request.type,
                name=request.name,
                urn=urn,
                parent=request.parent,
                custom=request.custom,
                provider=request.provider,
                inputs=inputs,
                secret_paths=secrets,
                unknown_paths=unknowns,
                options=options,
                dependencies=sorted(request.dependencies),
                property_dependencies={k: sorted(v.urns) for k, v in request.propertyDependencies.items()},
            )
        )
        for listener in self.capture.listeners:
            listener(self.capture.resources[-1])
        self.on_register(len(self.capture.resources))
        response = super().RegisterResource(request)
        if request.additionalSecretOutputs:
            response = self._mark_secret(response, list(request.additionalSecretOutputs))
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if request.urn.split("::")[2] == "pulumi:pulumi:Stack":
            raw = struct_dict(request.outputs)
            secrets: list[str] = []
            self.capture.outputs = decode(raw, "", secrets, [])
            self.capture.output_secret_paths = secrets
        return super().RegisterResourceOutputs(request)

    def _mark_secret(self, response: Any, keys: list[str]) -> Any:
        """Wrap the listed output properties in the secret signature, in the response itself."""
        fields = response.object.fields
        for key in keys:
            if key in fields:
                value = struct_pb2.Value()
                value.CopyFrom(fields[key])
                if value.WhichOneof("kind") == "string_value":
                    self.capture.secret_outputs.add(value.string_value)
                wrapped = fields[key].struct_value  # replaces the value in the field's oneof
                wrapped.Clear()
                wrapped.fields[SIG_KEY].string_value = SECRET_SIG
                wrapped.fields["value"].CopyFrom(value)
        return response


class _LogCollector(logging.Handler):
    def __init__(self, capture: Capture) -> None:
        super().__init__(logging.DEBUG)
        self.capture = capture

    def emit(self, record: logging.LogRecord) -> None:
        self.capture.logs.append((record.levelname.lower(), record.getMessage()))


@contextmanager
def _watch_missing_reads(capture: Capture):
    """Record reads of provider output properties the mocks did not return.

    A real provider returns them; under mocks they read as `None` and an input built from them is
    silently dropped by the SDK. Output types are dicts read through `pulumi.get`.
    """
    from pulumi import _types

    original = _types.get

    def get(self: Any, name: str) -> Any:
        cls = type(self)
        if hasattr(cls, _types._PULUMI_OUTPUT_TYPE) and isinstance(self, dict):
            key = _types._translate_name(self, name)
            if key not in self:
                capture.missing_reads.add(f"{cls.__module__.split('.')[0]}.{cls.__qualname__}.{name}")
        return original(self, name)

    pulumi.get = get
    _types.get = get
    try:
        yield
    finally:
        pulumi.get = original
        _types.get = original


@contextmanager
def _no_stack_traces():
    """Skip the SDK's per-resource stack-trace capture: only the real engine reads it (for error
    messages), the mock monitor never does, and it is ~8% of a large plan."""
    from pulumi.runtime import resource
    from pulumi.runtime.proto import source_pb2

    original = resource._get_stack_trace
    resource._get_stack_trace = lambda: source_pb2.StackTrace()
    try:
        yield
    finally:
        resource._get_stack_trace = original


async def _wait_for_rpcs_batched(await_all_outstanding_tasks: bool = True) -> None:
    """`pulumi.runtime.stack.wait_for_rpcs`, awaiting pending outputs in batches.

    The SDK waits with `asyncio.wait(..., FIRST_COMPLETED)` over every pending output and re-queues
    the rest, which costs O(outputs) per completed output: the largest cost of a big plan. Awaiting a
    whole batch with `gather` completes the same tasks and raises the same first error.
    """
    from pulumi.runtime.settings import SETTINGS, _get_rpc_manager

    rpc_manager = _get_rpc_manager()
    while True:
        while rpc_manager.rpcs:
            await asyncio.sleep(0)
            await rpc_manager.rpcs.pop()
        if rpc_manager.unhandled_exception is not None:
            raise rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
        if await_all_outstanding_tasks:
            while True:
                with SETTINGS.lock:
                    if not SETTINGS.outputs:
                        break
                    pending = list(SETTINGS.outputs)
                    SETTINGS.outputs.clear()
                await asyncio.gather(*pending)
        if not rpc_manager.rpcs:
            break


@contextmanager
def _batched_output_wait():
    from pulumi.runtime import stack

    original = stack.wait_for_rpcs
    stack.wait_for_rpcs = _wait_for_rpcs_batched
    try:
        yield
    finally:
        stack.wait_for_rpcs = original


class InlineLoop(asyncio.SelectorEventLoop):
    """An event loop that answers `run_in_executor(None, ...)` in the calling thread.

    The SDK sends every monitor call (`RegisterResource`, `Invoke`, ...) to a thread pool because a
    real engine answers over gRPC and blocks. The mock monitor answers at once, so the threads buy
    nothing and cost a hand-off per call: each answer wakes the loop through its self-pipe and the
    threads fight the loop for the interpreter lock (about 1 s of a 1,000-secret plan). The program
    sees the same answers; only when a call returns differs, which no Pulumi program may depend on.
    """

    def run_in_executor(self, executor: Any, func: Callable[..., Any], *args: Any) -> asyncio.Future:
        if executor is not None:
            return super().run_in_executor(executor, func, *args)
        done = self.create_future()
        try:
            done.set_result(func(*args))
        except BaseException as error:  # handed to the awaiting coroutine, as the pool does
            done.set_exception(error)
        return done


async def _resume(coroutine: Any, blocked_on: Any) -> Any:
    """Go on with a coroutine that `_drive` started and that waits on `blocked_on`, as a task would."""
    while True:
        if blocked_on is None:
            await asyncio.sleep(0)  # a bare `yield`: give the loop one turn
        else:
            blocked_on._asyncio_future_blocking = False  # taken over, as `Task.__step` does
            with suppress(BaseException):  # the coroutine reads the outcome from the future itself
                await blocked_on
        try:
            blocked_on = coroutine.send(None)
        except StopIteration as done:
            return done.value


def _drive(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The mock monitor's `_sync_await`, for a monitor running in the loop's own thread.

    The monitor serializes what the mocks return (plain values) with a coroutine that finishes
    without waiting: it is run to the end at once. One that does wait (a mock returning an output or
    a resource) goes on under the SDK's own `_sync_await`, which pumps the running loop until it ends.
    """

    def sync_await(awaitable: Any) -> Any:
        if not asyncio.iscoroutine(awaitable):
            return original(awaitable)
        try:
            blocked_on = awaitable.send(None)
        except StopIteration as done:
            return done.value
        return original(_resume(awaitable, blocked_on))

    return sync_await


@contextmanager
def _monitor_inline():
    """Let the mock monitor's synchronous waits run in the loop's thread (see `InlineLoop`)."""
    original = mocks._sync_await
    mocks._sync_await = _drive(original)
    try:
        yield
    finally:
        mocks._sync_await = original


@contextmanager
def collector_paused(freeze: bool = False):
    """Full cyclic collections dominate large plans (7.5 s of 13.3 s at 5,000 resources); pause them during the run.

    With `freeze`, what the run allocated moves to the collector's permanent generation when it ends,
    so the first collection afterwards does not walk the whole plan again (a one-shot command).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


def _forget_project_modules() -> None:
    """Drop the project's modules so a second run (another stack) imports them afresh.

    `config.errors` stays: the caller catches its `ConfigError` by identity.
    """
    for name in list(sys.modules):
        if name.split(".")[0] in PROJECT_PACKAGES and name != "config.errors":
            del sys.modules[name]


def run_program(
    program: Callable[[], None] | Path,
    *,
    project: str,
    stack: str,
    config: dict[str, str],
    secret_keys: list[str],
    plan_mocks: mocks.Mocks,
    dry_run: bool = True,
    on_register: Callable[[int], None] = lambda n: None,
    capture: Capture | None = None,
) -> Capture:
    """Run a program (a `__main__.py` path, or a function for tests) and return what it registered.

    Exceptions raised by the program (including `ConfigError`) propagate to the caller.
    """
    capture = capture if capture is not None else Capture()
    monitor = CaptureMonitor(plan_mocks, capture, on_register)
    logger = logging.getLogger(f"secrets-platform.plan.{stack}")
    logger.propagate = False
    logger.handlers = [_LogCollector(capture)]
    logger.setLevel(logging.DEBUG)
    engine = mocks.MockEngine(logger)
    run_settings = mocks.MockSettings(
        monitor=monitor,
        monitor_features=set(monitor.GetDeploymentInfo(None).supportedFeatures),
        engine=engine,
        project=project,
        stack=stack,
        dry_run=dry_run,
        organization="organization",
        callbacks=None,
        root_directory=str(program.parent) if isinstance(program, Path) else os.getcwd(),
    )
    settings.configure(run_settings)
    settings.ROOT.set(None)
    settings.SETTINGS.outputs.clear()  # a previous run that failed inside an apply leaves tasks behind
    pulumi.runtime.set_all_config(config, secret_keys)

    if isinstance(program, Path):
        _forget_project_modules()
        program_dir = program.parent

        def body() -> None:
            previous = os.getcwd()
            os.chdir(program_dir)
            sys.path.insert(0, str(program_dir))
            try:
                runpy.run_path(str(program), run_name="__main__")
            finally:
                sys.path.remove(str(program_dir))
                os.chdir(previous)
    else:
        body = program

    loop = InlineLoop()
    asyncio.set_event_loop(loop)
    out, err = io.StringIO(), io.StringIO()
    try:
        with (
            collector_paused(),
            _watch_missing_reads(capture),
            _no_stack_traces(),
            _batched_output_wait(),
            _monitor_inline(),
            _program_logs(capture),
            _sdk_debug_dropped(),
            redirect_stdout(out),
            redirect_stderr(err),
        ):
            loop.run_until_complete(pulumi.runtime.stack.run_in_stack(body))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        settings.ROOT.set(None)
        capture.stdout, capture.stderr = out.getvalue(), err.getvalue()
    return capture


@contextmanager
def _sdk_debug_dropped():
    """Drop the SDK's own debug lines ("registering resource: ..."): the CLI shows them only with
    `-v`, they carry no program output, and sending them through the engine costs time. The
    program's own `pulumi.log.debug` calls still reach the capture and its leak scan."""
    original = pulumi.log.debug

    def debug(
        msg: str, resource: Any = None, stream_id: int | None = None, ephemeral: bool | None = None
    ) -> None:
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller == "pulumi" or caller.startswith("pulumi."):
            return
        original(msg, resource, stream_id, ephemeral)

    pulumi.log.debug = debug
    try:
        yield
    finally:
        pulumi.log.debug = original


@contextmanager
def _program_logs(capture: Capture):
    """Collect the records of every logger (the program may log with its own) during the run."""
    root = logging.getLogger()
    collector = _LogCollector(capture)
    level = root.level
    root.addHandler(collector)
    root.setLevel(min(level, logging.INFO) if level else logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(collector)
        root.setLevel(level)
