"""`secrets-platform check`: the policy pack over a stack's offline plan, the way `pulumi preview` runs it.

A pull request runs this without credentials. The program runs under the mock runtime (as for the
plan, with the plan's own leak and dropped-input checks); the pack starts as the engine starts it,
`python -u -m pulumi.policy <engine-address> <packdir>` with the pack directory as working
directory, and is driven over the engine's analyzer protocol: `GetAnalyzerInfo`, `Configure` with
the stack's policy config (schema defaults first, then `policies/config/<stack>.json`),
`ConfigureStack`, `Analyze` per resource with its options and provider, and `AnalyzeStack` with
parents and dependencies. The engine address is not used by `pulumi.policy` (the pack only serves,
and logs to stderr when no engine is configured), so a placeholder address is passed.

Like the engine, the check hands the pack unmasked inputs: here they are the plan's placeholders
and generated canaries, never a real secret. Every text this module prints or writes is redacted
all the same.

On top of the pack, the check runs what only the offline plan can see: which inputs are Pulumi
secrets (`offline-*` checks below).

Exit codes: 0 no mandatory violation, 1 the plan failed its own checks (or the pack did not
answer), 2 the stack config or the policy config is wrong, 4 at least one mandatory violation.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import grpc
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from offline import exits
from offline.leaks import CANARY, LeakScanner
from offline.plan import (
    EXIT_CONFIG,
    EXIT_PLAN,
    MASK,
    PlanError,
    Progress,
    _covered,
    _named_files,
    capture_stack,
    find_dropped,
    find_leaks,
    leaves,
)
from offline.runtime import SECRET_SIG, SIG_KEY, Capture, Registration, collector_paused, join
from offline.secret_flow import HELM_VALUES_POLICY, OFFLINE_CHECKS, source_scanner
from offline.secret_flow import findings as secret_findings
from offline.stackfiles import StackInput, read_project_name

EXIT_VIOLATIONS = exits.VIOLATIONS

PACK_DIR = Path(__file__).resolve().parent.parent / "policies"
"""The policy pack of this repository (`policies/PulumiPolicy.yaml`)."""
ENGINE_ADDRESS = "127.0.0.1:0"
"""What `pulumi.policy` receives as the engine address; it never connects to it."""
# Stack names may hold capitals, `_` and `.` (`spcanary-Prod_EU-1-…`): match them too, as offline.diff does.
_LEVELS = {"advisory", "mandatory", "remediate", "disabled"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
REPORT_FORMAT = "secrets-platform/violations"
REPORT_VERSION = 1


class PolicyConfigError(Exception):
    """The policy config file names an unknown policy or breaks a policy's config schema."""


class PackError(Exception):
    """The policy pack did not start or stopped answering."""


@dataclass
class Violation:
    """One diagnostic: from the pack (`source: policy-pack`) or from an offline check."""

    policy: str
    level: str
    """`mandatory` or `advisory` (the level the pack reported, after the stack's policy config)."""
    urn: str
    resource_type: str
    message: str
    """What is wrong and how to fix it (the description line of the pack's message removed)."""
    description: str
    remediation: str
    source: str = "policy-pack"
    severity: str = ""


@dataclass
class CheckResult:
    """Everything a check found, ready to print and to write."""

    project: str
    stack: str
    pack: dict[str, Any]
    violations: list[Violation]
    policies: dict[str, dict[str, Any]]
    """Policy name -> description, remediation, level and severity (offline checks included)."""
    resource_count: int = 0
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == "mandatory"]


# --- redaction ------------------------------------------------------------------------------


class Redactor:
    """Replaces placeholders, canaries and every secret input value with `[secret]`."""

    def __init__(self, capture: Capture | None = None) -> None:
        exact: set[str] = set()
        if capture is not None:
            exact |= {v for v in capture.secret_outputs if isinstance(v, str) and len(v) >= 8}
            for reg in capture.resources:
                for path, value in leaves(reg.inputs):
                    if isinstance(value, str) and len(value) >= 8 and _covered(path, reg.secret_paths):
                        exact.add(value)
        self.exact = sorted(exact, key=len, reverse=True)
        self.scanner = LeakScanner(exact)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            for secret in self.exact:
                value = value.replace(secret, MASK)
            value = CANARY.sub(MASK, value)
            # Whatever is left in another form (hex, base64, upper-cased, escaped) takes the string.
            return MASK if self.scanner.found_in(value) else value
        if isinstance(value, dict):
            return {self(k): self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value


# --- the pack as a subprocess ----------------------------------------------------------------


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


class PolicyPackProcess:
    """A policy pack served by its own process, as the engine runs it; use as a context manager."""

    def __init__(
        self, pack_dir: Path = PACK_DIR, *, project: str = "", stack: str = "", timeout: float = 60.0
    ) -> None:
        self.pack_dir = pack_dir.resolve()
        self.project = project
        self.stack = stack
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.channel: grpc.Channel | None = None
        self.stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self._stderr: Any = None
        self.info: analyzer_pb2.AnalyzerInfo | None = None

    def __enter__(self) -> PolicyPackProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        env = {
            **os.environ,
            "PULUMI_PROJECT": self.project or "secrets-platform",
            "PULUMI_STACK": self.stack or "check",
            "PULUMI_DRY_RUN": "true",
        }
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        command = [
            pack_python(self.pack_dir),
            "-u",
            "-m",
            "pulumi.policy",
            ENGINE_ADDRESS,
            str(self.pack_dir),
        ]
        self.process = subprocess.Popen(
            command, cwd=self.pack_dir, stdout=subprocess.PIPE, stderr=self._stderr, env=env
        )
        port = self._read_port()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(self.channel).result(timeout=self.timeout)
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
        self.info = self.stub.GetAnalyzerInfo(empty_pb2.Empty())

    def _read_port(self) -> int:
        assert self.process is not None and self.process.stdout is not None
        line: list[bytes] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
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
        assert self.info is not None
        return {p.name: p for p in self.info.policies}

    def configure(self, config: dict[str, tuple[str, dict[str, Any]]]) -> None:
        """Send each policy's enforcement level and properties (`effective_config`)."""
        assert self.stub is not None
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, (level, properties) in config.items():
            policy_config = analyzer_pb2.PolicyConfig(
                enforcementLevel=analyzer_pb2.EnforcementLevel.Value(level.upper())
            )
            policy_config.properties.update(properties)
            request.policyConfig[name].CopyFrom(policy_config)
        self.stub.Configure(request)
        self.stub.ConfigureStack(
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=self.stack, project=self.project, organization="organization", dry_run=True
            )
        )

    def analyze(self, capture: Capture) -> list[analyzer_pb2.AnalyzeDiagnostic]:
        """`Analyze` every resource, then `AnalyzeStack` once, as the engine does in a preview."""
        stream = self.stream()
        for reg in capture.resources:
            stream.submit(reg)
        return stream.finish()

    def stream(self) -> AnalyzeStream:
        """Analyze resources as they are registered, in a thread, while the program still runs."""
        assert self.stub is not None
        return AnalyzeStream(self.stub)


class AnalyzeStream:
    """`Analyze` calls made in registration order from a worker thread, then one `AnalyzeStack`.

    The pack runs in its own process, so analyzing while the program runs under the mocks uses the
    second core; the calls and their order are those of a sequential check. A resource policy's
    diagnostic carries no URN (the engine knows which resource it asked about); it is filled in here,
    as the engine does.
    """

    def __init__(self, stub: Any) -> None:
        self.stub = stub
        self.queue: queue.Queue[Registration | None] = queue.Queue()
        self.by_urn: dict[str, Registration] = {}
        self.resources: list[analyzer_pb2.AnalyzerResource] = []
        self.diagnostics: list[analyzer_pb2.AnalyzeDiagnostic] = []
        self.error: BaseException | None = None
        self.worker = threading.Thread(target=self._run, name="analyze", daemon=True)
        self.worker.start()

    def submit(self, reg: Registration) -> None:
        self.queue.put(reg)

    def finish(self) -> list[analyzer_pb2.AnalyzeDiagnostic]:
        self.queue.put(None)
        self.worker.join()
        if self.error is not None:
            raise self.error
        self.diagnostics.extend(
            self.stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=self.resources)).diagnostics
        )
        return self.diagnostics

    def abandon(self) -> None:
        """Stop the worker without analyzing the stack (the program failed)."""
        self.queue.put(None)
        self.worker.join()

    def _run(self) -> None:
        while (reg := self.queue.get()) is not None:
            if self.error is not None:
                continue  # drain: the first failure is re-raised by finish()
            try:
                self._analyze(reg)
            except BaseException as exc:
                self.error = exc

    def _analyze(self, reg: Registration) -> None:
        self.by_urn[reg.urn] = reg
        properties = _struct(wrap_secrets(reg.inputs, reg.secret_paths))
        options = _options(reg)
        provider = _provider(reg, self.by_urn)
        request = analyzer_pb2.AnalyzeRequest(
            type=reg.type, properties=properties, urn=reg.urn, name=reg.name, options=options
        )
        if provider is not None:
            request.provider.CopyFrom(provider)
        for diagnostic in self.stub.Analyze(request).diagnostics:
            if not diagnostic.urn:
                diagnostic.urn = reg.urn
            self.diagnostics.append(diagnostic)
        resource = analyzer_pb2.AnalyzerResource(
            type=reg.type,
            properties=properties,
            urn=reg.urn,
            name=reg.name,
            options=options,
            parent=reg.parent,
            dependencies=reg.dependencies,
        )
        if provider is not None:
            resource.provider.CopyFrom(provider)
        for key, urns in reg.property_dependencies.items():
            resource.propertyDependencies[key].CopyFrom(analyzer_pb2.AnalyzerPropertyDependencies(urns=urns))
        self.resources.append(resource)


def wrap_secrets(value: Any, secret_paths: list[str], path: str = "") -> Any:
    """The inputs as the engine marshals them: secret paths wrapped in the secret signature, no nulls.

    Paths are recomputed while walking (`offline.runtime.join`), so keys holding dots stay exact.
    """
    if path and path in secret_paths:
        return {SIG_KEY: SECRET_SIG, "value": wrap_secrets(value, [], path)}
    if isinstance(value, dict):
        return {k: wrap_secrets(v, secret_paths, join(path, k)) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [wrap_secrets(v, secret_paths, join(path, i)) for i, v in enumerate(value)]
    return value


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(value)
    return struct


def _options(reg: Registration) -> analyzer_pb2.AnalyzerResourceOptions:
    options = reg.options
    delete_before_replace = options.get("deleteBeforeReplace")
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=bool(options.get("protect")),
        ignoreChanges=list(options.get("ignoreChanges", [])),
        deleteBeforeReplace=bool(delete_before_replace),
        deleteBeforeReplaceDefined=delete_before_replace is not None,
        additionalSecretOutputs=list(options.get("additionalSecretOutputs", [])),
        aliases=[
            a if isinstance(a, str) else json.dumps(a, sort_keys=True) for a in options.get("aliases", [])
        ],
        parent=reg.parent,
    )


def _provider(
    reg: Registration, by_urn: dict[str, Registration]
) -> analyzer_pb2.AnalyzerProviderResource | None:
    provider = by_urn.get(reg.provider.rsplit("::", 1)[0]) if reg.provider else None
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type,
        properties=_struct(wrap_secrets(provider.inputs, provider.secret_paths)),
        urn=provider.urn,
        name=provider.name,
    )


# --- policy config -------------------------------------------------------------------------------


def policy_config_path(stack: str, pack_dir: Path = PACK_DIR) -> Path:
    return pack_dir / "config" / f"{stack}.json"


def load_policy_config(path: Path | None) -> dict[str, Any]:
    """A `--policy-pack-config` file; `{}` when there is none."""
    if path is None or not path.exists():
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise PolicyConfigError(f"{path}: not JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise PolicyConfigError(f"{path}: expected a JSON object of policy name -> config")
    return doc


def _level_name(level: int) -> str:
    return analyzer_pb2.EnforcementLevel.Name(level).lower()


def _severity_name(severity: int) -> str:
    return analyzer_pb2.PolicySeverity.Name(severity).removeprefix("POLICY_SEVERITY_").lower()


def effective_config(
    policies: dict[str, analyzer_pb2.PolicyInfo], doc: dict[str, Any], source: str = "policy config"
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each policy's level and properties, as the engine computes them for `Configure`.

    Schema defaults come first, then `all` (a level for every policy), then the policy's own entry
    (a level, or an object with `enforcementLevel` and properties). Properties are validated
    against the policy's schema, unknown properties included; unknown policy names are errors.
    """
    import jsonschema

    problems = []
    unknown = sorted(set(doc) - set(policies) - {"all"})
    problems += [f"{source}: {name!r} is not a policy of the pack" for name in unknown]
    default_level = doc.get("all")
    if default_level is not None and default_level not in _LEVELS:
        problems.append(f"{source}: all: {default_level!r} is not one of {sorted(_LEVELS)}")
    config: dict[str, tuple[str, dict[str, Any]]] = {}
    for name, info in policies.items():
        schema = json_format.MessageToDict(info.configSchema) if info.HasField("configSchema") else {}
        properties_schema = schema.get("properties", {})
        properties = {k: v["default"] for k, v in properties_schema.items() if "default" in v}
        level = default_level if default_level in _LEVELS else _level_name(info.enforcementLevel)
        entry = doc.get(name)
        if isinstance(entry, str):
            entry = {"enforcementLevel": entry}
        if entry is not None and not isinstance(entry, dict):
            problems.append(f"{source}: {name}: expected a level or an object")
            entry = None
        if entry:
            entry = dict(entry)
            level = entry.pop("enforcementLevel", level)
            if level not in _LEVELS:
                problems.append(
                    f"{source}: {name}.enforcementLevel: {level!r} is not one of {sorted(_LEVELS)}"
                )
            properties.update(entry)
        validator = jsonschema.Draft7Validator(
            {
                "type": "object",
                "properties": properties_schema,
                "required": schema.get("required", []),
                "additionalProperties": False,
            }
        )
        for error in validator.iter_errors(properties):
            where = ".".join(str(p) for p in error.absolute_path) or "(properties)"
            problems.append(f"{source}: {name}.{where}: {error.message}")
        config[name] = (level if level in _LEVELS else "mandatory", properties)
    if problems:
        raise PolicyConfigError("\n".join(problems))
    return config


# --- offline checks: what only the plan knows (offline/secret_flow.py) ------------------------------


def offline_findings(
    capture: Capture, config: dict[str, tuple[str, dict[str, Any]]], sources: LeakScanner | None = None
) -> list[Violation]:
    """Violations of the `offline-*` checks (always mandatory); messages name paths, never values.

    `sources` knows the run's secret sources (`secret_flow.source_scanner`); without it, canaries and
    provider secret outputs are the only sources (no file the stack config names).
    """
    allow_list = config.get(HELM_VALUES_POLICY, ("", {}))[1].get("allowList", [])
    scanner = sources or source_scanner(capture)
    return [
        Violation(
            policy=finding.check,
            level="mandatory",
            urn=finding.reg.urn,
            resource_type=finding.reg.type,
            message=finding.message,
            description=OFFLINE_CHECKS[finding.check]["description"],
            remediation=OFFLINE_CHECKS[finding.check]["remediation"],
            source="offline",
            severity="critical",
        )
        for finding in secret_findings(capture, allow_list, scanner)
    ]


# --- running a check -------------------------------------------------------------------------


def _split_message(diagnostic: analyzer_pb2.AnalyzeDiagnostic) -> str:
    """The pack's message is `<description>\\n<reported message>` (pulumi-policy's servicer joins
    them): keep the latter."""
    prefix = diagnostic.description + "\n"
    text = diagnostic.message
    return text[len(prefix) :] if text.startswith(prefix) else text


def check_capture(
    pack: PolicyPackProcess,
    capture: Capture,
    config: dict[str, tuple[str, dict[str, Any]]],
    redact: Redactor | None = None,
    diagnostics: list[analyzer_pb2.AnalyzeDiagnostic] | None = None,
    sources: LeakScanner | None = None,
) -> list[Violation]:
    """Configure the pack, analyze a capture (unless `diagnostics` were streamed already), add the
    offline checks (`sources`: the run's secret sources, see `stack_sources`); every text redacted."""
    redact = redact or Redactor(capture)
    if diagnostics is None:
        pack.configure(config)
        diagnostics = pack.analyze(capture)
    types = {r.urn: r.type for r in capture.resources}
    infos = pack.policies()
    violations = []
    for diagnostic in diagnostics:
        info = infos.get(diagnostic.policyName)
        violations.append(
            Violation(
                policy=diagnostic.policyName,
                level=_level_name(diagnostic.enforcementLevel),
                urn=diagnostic.urn,
                resource_type=types.get(diagnostic.urn, ""),
                message=redact(_split_message(diagnostic)),
                description=diagnostic.description,
                remediation=info.remediation_steps if info else "",
                severity=_severity_name(diagnostic.severity).replace("unspecified", ""),
            )
        )
    for violation in offline_findings(capture, config, sources):
        violation.message = redact(violation.message)
        violations.append(violation)
    return sorted(violations, key=lambda v: (v.level != "mandatory", v.policy, v.urn, v.message))


def stack_sources(project_dir: Path, stack_input: StackInput, capture: Capture) -> LeakScanner:
    """The secret sources of a stack's run: its canaries, provider secret outputs, and the contents of
    the files its config names (a `file` secret's value), as the plan's `secretSources` sees them."""
    return source_scanner(capture, _named_files(project_dir, stack_input.config))


def _describe_policies(
    pack: PolicyPackProcess, config: dict[str, tuple[str, dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    described = {
        name: {
            "description": info.description,
            "remediation": info.remediation_steps,
            "level": config.get(name, (_level_name(info.enforcementLevel), {}))[0],
            "severity": _severity_name(info.severity),
        }
        for name, info in pack.policies().items()
    }
    for name, info in OFFLINE_CHECKS.items():
        described[name] = {**info, "level": "mandatory", "severity": "critical"}
    return described


def _shown(path: Path) -> str:
    """A path as the report shows it: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(PACK_DIR.parent))
    except ValueError:
        return str(path)


def run_check(
    project_dir: Path,
    stack: str,
    *,
    pack_dir: Path = PACK_DIR,
    config_path: Path | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """Plan a stack offline and check it against the pack; raises PlanError, PolicyConfigError, ConfigError."""
    started = time.perf_counter()
    if config_path is not None and not config_path.is_file():
        # A typo must not silently fall back to the schema defaults (and to violations the real
        # config does not have).
        raise PolicyConfigError(f"--policy-config {config_path}: no such file")
    path = config_path or policy_config_path(stack, pack_dir)
    project = read_project_name(project_dir)
    # The pack starts first and analyzes each resource as the program registers it (second core).
    with PolicyPackProcess(pack_dir, project=project, stack=stack) as pack, collector_paused(freeze=True):
        config = effective_config(pack.policies(), load_policy_config(path), source=path.name)
        pack.configure(config)
        stream = pack.stream()
        capture = Capture(listeners=[stream.submit])
        try:
            stack_input, capture, _ = capture_stack(project_dir, stack, progress, capture=capture)
        except BaseException:
            stream.abandon()
            raise
        diagnostics = stream.finish()
        if progress:
            progress.done()
        findings = find_dropped(capture) + find_leaks(capture)
        if findings:
            raise PlanError(stack, findings)
        planned = time.perf_counter()
        violations = check_capture(
            pack,
            capture,
            config,
            diagnostics=diagnostics,
            sources=stack_sources(project_dir, stack_input, capture),
        )
        assert pack.info is not None
        result = CheckResult(
            project=stack_input.project,
            stack=stack,
            pack={
                "name": pack.info.name,
                "version": pack_version(pack_dir),
                "config": _shown(path)
                if path.is_file()
                else f"schema defaults ({_shown(path)} does not exist)",
            },
            violations=violations,
            policies=_describe_policies(pack, config),
            resource_count=len(capture.resources),
        )
    result.stats = {"planSeconds": planned - started, "checkSeconds": time.perf_counter() - planned}
    return result


# --- output ---------------------------------------------------------------------------------------


def short_name(urn: str) -> str:
    """`<type> <name>` of a URN: what a person reads; `--urns` shows the whole URN."""
    _, _, qualified, name = urn.split("::", 3)
    return f"{qualified.rsplit('$', 1)[-1]} {name}"


def render(result: CheckResult, out: TextIO = sys.stdout, *, urns: bool = False) -> None:
    """Violations grouped by policy (mandatory first), each with its resource and remediation.

    The text is redacted again on its way out, whatever produced the violations.
    """
    lines = [
        f"Policy check of stack {result.stack}: pack {result.pack['name']} {result.pack['version']}, "
        f"{len(result.policies)} policies and checks, {result.resource_count} resources",
        f"policy config: {result.pack.get('config', 'schema defaults')}",
    ]
    groups: dict[tuple[str, str], list[Violation]] = defaultdict(list)
    for violation in result.violations:
        groups[(violation.level, violation.policy)].append(violation)
    for (level, policy), violations in sorted(
        groups.items(), key=lambda g: (g[0][0] != "mandatory", g[0][1])
    ):
        lines += ["", f"{level.upper()}  {policy}  ({len(violations)})  {violations[0].description}"]
        for violation in violations:
            where = violation.urn if urns or not violation.urn else short_name(violation.urn)
            lines += [f"  - {where or '(stack)'}", f"      {violation.message}"]
        if violations[0].remediation:
            lines.append(f"  remediation: {violations[0].remediation}")
    mandatory = len(result.mandatory)
    advisory = len(result.violations) - mandatory
    verdict = "FAILED" if mandatory else "passed"
    lines += [
        "",
        f"{verdict}: {mandatory} mandatory and {advisory} advisory violation(s) in stack {result.stack}",
    ]
    out.write(Redactor()("\n".join(lines) + "\n"))


def to_json(result: CheckResult) -> dict[str, Any]:
    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "project": result.project,
        "stack": result.stack,
        "policyPack": result.pack,
        "summary": {
            "mandatory": len(result.mandatory),
            "advisory": len(result.violations) - len(result.mandatory),
            "resources": result.resource_count,
        },
        "policies": result.policies,
        "violations": [
            {
                "policy": v.policy,
                "enforcementLevel": v.level,
                "severity": v.severity,
                "urn": v.urn,
                "resourceType": v.resource_type,
                "message": v.message,
                "description": v.description,
                "remediation": v.remediation,
                "source": v.source,
            }
            for v in result.violations
        ],
    }


def to_sarif(result: CheckResult) -> dict[str, Any]:
    """SARIF 2.1.0: one rule per policy, one result per violation, located by URN and stack file."""
    names = sorted(result.policies)
    rules = [
        {
            "id": name,
            "name": "".join(part.capitalize() for part in name.split("-")),
            "shortDescription": {"text": result.policies[name]["description"]},
            "help": {"text": result.policies[name]["remediation"] or result.policies[name]["description"]},
            "defaultConfiguration": {"level": _sarif_level(result.policies[name]["level"])},
            "properties": {"severity": result.policies[name]["severity"]},
        }
        for name in names
    ]
    results = [
        {
            "ruleId": v.policy,
            "ruleIndex": names.index(v.policy) if v.policy in names else -1,
            "level": _sarif_level(v.level),
            "message": {"text": v.message},
            "locations": [
                {
                    "physicalLocation": {"artifactLocation": {"uri": f"Pulumi.{result.stack}.yaml"}},
                    "logicalLocations": [
                        {
                            "fullyQualifiedName": v.urn or f"stack {result.stack}",
                            "name": v.urn.rsplit("::", 1)[-1] if v.urn else result.stack,
                            "kind": "resource",
                        }
                    ],
                }
            ],
            "properties": {"resourceType": v.resource_type, "enforcementLevel": v.level, "source": v.source},
        }
        for v in result.violations
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "secrets-platform check",
                        "version": result.pack["version"],
                        "informationUri": "https://www.pulumi.com/docs/using-pulumi/crossguard/",
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"secrets-platform-check/{result.stack}"},
                "results": results,
            }
        ],
    }


def _sarif_level(level: str) -> str:
    return {"mandatory": "error", "remediate": "error", "advisory": "warning"}.get(level, "note")


def write_reports(result: CheckResult, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    redact = Redactor()
    written = []
    for name, doc in (("violations.json", to_json(result)), ("violations.sarif", to_sarif(result))):
        path = out_dir / name
        path.write_text(json.dumps(redact(doc), indent=1, sort_keys=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def cmd_check(args: argparse.Namespace, project_dir: Path) -> int:
    """The `check` subcommand (registered in offline/cli.py)."""
    try:
        result = run_check(
            project_dir,
            args.stack,
            config_path=Path(args.policy_config) if args.policy_config else None,
            progress=Progress(sys.stderr, args.stack),
        )
    except PlanError as exc:
        print(f"error: {Redactor()(str(exc))}", file=sys.stderr)
        return EXIT_PLAN
    except PolicyConfigError as exc:
        print(f"error: the policy config is wrong:\n{Redactor()(str(exc))}", file=sys.stderr)
        return EXIT_CONFIG
    except PackError as exc:
        print(f"error: {Redactor()(str(exc))}", file=sys.stderr)
        return EXIT_PLAN
    except grpc.RpcError as exc:
        print(f"error: the policy pack stopped answering: {Redactor()(str(exc))}", file=sys.stderr)
        return EXIT_PLAN
    if getattr(args, "json", False):
        sys.stdout.write(Redactor()(json.dumps(to_json(result), indent=1, sort_keys=True)) + "\n")
    else:
        render(result, sys.stdout, urns=getattr(args, "urns", False))
    if args.out:
        written = write_reports(result, Path(args.out))
        print(f"Reports written to {', '.join(str(p) for p in written)}", file=sys.stderr)
    return EXIT_VIOLATIONS if result.mandatory else 0


__all__ = [
    "EXIT_VIOLATIONS",
    "OFFLINE_CHECKS",
    "CheckResult",
    "PolicyConfigError",
    "PolicyPackProcess",
    "Violation",
    "check_capture",
    "cmd_check",
    "effective_config",
    "load_policy_config",
    "offline_findings",
    "run_check",
    "stack_sources",
    "to_sarif",
    "wrap_secrets",
    "write_reports",
]
