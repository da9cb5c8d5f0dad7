"""Running a check: the program under the mocks, the pack analyzing as resources register, the
offline checks, and the `check` command.

The pack is loaded first; each registration is analyzed as the program makes it, `AnalyzeStack`
follows the program. The plan's own checks (leaks, dropped inputs) then run on the same capture, and
with `--out` the plan of that very run is written beside the reports, so `diff` never runs the
program again for it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import grpc
from pulumi.runtime.proto import analyzer_pb2

from offline import exits
from offline.check.inprocess import InProcessPack
from offline.check.pack import PACK_DIR, PackError, PolicyPackProcess, pack_version
from offline.check.piped import PipedPack
from offline.check.policy_config import (
    Level,
    PolicyConfig,
    PolicyConfigError,
    effective_config,
    level_name,
    load_policy_config,
    policy_config_path,
    severity_name,
)
from offline.check.reports import render, to_json, write_reports
from offline.check.result import CheckResult, Redactor, Source, Violation
from offline.leaks import LeakScanner
from offline.plan import PlanError, Progress, _named_files, build_plan, capture_stack, verify
from offline.runtime import Capture, collector_paused
from offline.secret_flow import HELM_VALUES_POLICY, OFFLINE_CHECKS, source_scanner
from offline.secret_flow import findings as secret_findings
from offline.stackfiles import StackInput, read_project_name

# --- offline checks: what only the plan knows (offline/secret_flow.py) ------------------------------


def offline_findings(
    capture: Capture, config: PolicyConfig, sources: LeakScanner | None = None
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
            level=Level.MANDATORY,
            urn=finding.reg.urn,
            resource_type=finding.reg.type,
            message=finding.message,
            description=OFFLINE_CHECKS[finding.check]["description"],
            remediation=OFFLINE_CHECKS[finding.check]["remediation"],
            source=Source.OFFLINE,
            severity="critical",
        )
        for finding in secret_findings(capture, allow_list, scanner)
    ]


def stack_sources(project_dir: Path, stack_input: StackInput, capture: Capture) -> LeakScanner:
    """The secret sources of a stack's run: its canaries, provider secret outputs, and the contents of
    the files its config names (a `file` secret's value), as the plan's `secretSources` sees them."""
    return source_scanner(capture, _named_files(project_dir, stack_input.config))


# --- from diagnostics to violations ------------------------------------------------------------


def _split_message(diagnostic: analyzer_pb2.AnalyzeDiagnostic) -> str:
    """The pack's message is `<description>\\n<reported message>` (pulumi-policy's servicer joins
    them): keep the latter."""
    prefix = diagnostic.description + "\n"
    text = diagnostic.message
    return text[len(prefix) :] if text.startswith(prefix) else text


def check_capture(
    pack: PolicyPackProcess | InProcessPack,
    capture: Capture,
    config: PolicyConfig,
    redact: Redactor | None = None,
    diagnostics: list[analyzer_pb2.AnalyzeDiagnostic] | None = None,
    sources: LeakScanner | None = None,
) -> list[Violation]:
    """Configure the pack, analyze a capture (unless `diagnostics` were streamed already), add the
    offline checks (`sources`: the run's secret sources, see `stack_sources`); every text redacted."""
    redact = redact or Redactor(capture)
    if diagnostics is None:
        pack.configure(config)
        diagnostics = pack.analyze(capture.resources)
    types = {r.urn: r.type for r in capture.resources}
    infos = pack.policies()
    violations = []
    for diagnostic in diagnostics:
        info = infos.get(diagnostic.policyName)
        violations.append(
            Violation(
                policy=diagnostic.policyName,
                level=Level(level_name(diagnostic.enforcementLevel)),
                urn=diagnostic.urn,
                resource_type=types.get(diagnostic.urn, ""),
                message=redact(_split_message(diagnostic)),
                description=diagnostic.description,
                remediation=info.remediation_steps if info else "",
                severity=severity_name(diagnostic.severity).replace("unspecified", ""),
            )
        )
    for violation in offline_findings(capture, config, sources):
        violation.message = redact(violation.message)
        violations.append(violation)
    return sorted(violations, key=lambda v: (v.level != Level.MANDATORY, v.policy, v.urn, v.message))


def describe_policies(
    pack: PolicyPackProcess | InProcessPack, config: PolicyConfig
) -> dict[str, dict[str, str]]:
    """Policy name -> description, remediation, level, severity and source (offline checks included)."""
    described = {
        name: {
            "description": info.description,
            "remediation": info.remediation_steps,
            "level": config.get(name, (level_name(info.enforcementLevel), {}))[0],
            "severity": severity_name(info.severity),
            "source": Source.PACK.value,
        }
        for name, info in pack.policies().items()
    }
    for name, info in OFFLINE_CHECKS.items():
        described[name] = {
            **info,
            "level": Level.MANDATORY.value,
            "severity": "critical",
            "source": Source.OFFLINE.value,
        }
    return described


def _shown(path: Path) -> str:
    """A path as the report shows it: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(PACK_DIR.parent))
    except ValueError:
        return str(path)


EVALUATIONS: dict[str, type[PipedPack | InProcessPack | PolicyPackProcess]] = {
    "piped": PipedPack,
    "in-process": InProcessPack,
    "process": PolicyPackProcess,
}
"""Where the pack is evaluated (`run_check`'s `evaluation`)."""


# --- running a check -------------------------------------------------------------------------


def run_check(
    project_dir: Path,
    stack: str,
    *,
    pack_dir: Path = PACK_DIR,
    config_path: Path | None = None,
    progress: Progress | None = None,
    with_plan: bool = False,
    evaluation: str = "piped",
) -> CheckResult:
    """Plan a stack offline and check it against the pack; raises PlanError, PolicyConfigError, ConfigError.

    `with_plan` also builds the plan of the run (`CheckResult.plan`), for `check --out`.
    `evaluation` says where the pack runs (`EVALUATIONS`): `piped` (the default) in a child process
    fed over a pipe while the program runs (`offline.check.piped`: the policies on the other core),
    `in-process` in this process (`offline.check.inprocess`), `process` in its own process over the
    analyzer protocol's gRPC, as the engine runs it. The same servicer answers the same requests in
    each, with the same diagnostics (tests/offline/test_servicer.py); bench/check.py measures the three.
    """
    started = time.perf_counter()
    if config_path is not None and not config_path.is_file():
        # A typo must not silently fall back to the schema defaults (and to violations the real
        # config does not have).
        raise PolicyConfigError(f"--policy-config {config_path}: no such file")
    path = config_path or policy_config_path(stack, pack_dir)
    project = read_project_name(project_dir)
    # The pack is ready first and analyzes each resource as the program registers it.
    served = EVALUATIONS[evaluation](pack_dir, project=project, stack=stack)
    with served as pack, collector_paused(freeze=True):
        config = effective_config(pack.policies(), load_policy_config(path), source=path.name)
        pack.configure(config)
        stream = pack.stream()
        capture = Capture(listeners=[stream.submit])
        try:
            stack_input, capture, plan_mocks = capture_stack(project_dir, stack, progress, capture=capture)
        except BaseException:
            stream.abandon()
            raise
        if progress:
            progress.done()
        # The piped pack analyzes the whole stack on its own core while the plan is verified here.
        stream.send_finish()
        verify(capture, stack)
        sources = stack_sources(project_dir, stack_input, capture)
        plan = build_plan(project_dir, stack_input, capture, plan_mocks) if with_plan else None
        diagnostics = stream.finish()
        planned = time.perf_counter()
        violations = check_capture(pack, capture, config, diagnostics=diagnostics, sources=sources)
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
            policies=describe_policies(pack, config),
            resource_count=len(capture.resources),
        )
    result.plan = plan
    result.stats = {"planSeconds": planned - started, "checkSeconds": time.perf_counter() - planned}
    return result


def cmd_check(args: argparse.Namespace, project_dir: Path) -> int:
    """The `check` subcommand (registered in offline/cli.py); `--out` writes the reports and the plan."""
    try:
        result = run_check(
            project_dir,
            args.stack,
            config_path=Path(args.policy_config) if args.policy_config else None,
            progress=Progress(sys.stderr, args.stack),
            with_plan=bool(args.out),
            evaluation="process" if getattr(args, "pack_process", False) else "piped",
        )
    except PlanError as exc:
        print(f"error: {Redactor()(str(exc))}", file=sys.stderr)
        return exits.PLAN_FAILED
    except PolicyConfigError as exc:
        print(f"error: the policy config is wrong:\n{Redactor()(str(exc))}", file=sys.stderr)
        return exits.BAD_INPUT
    except PackError as exc:
        print(f"error: {Redactor()(str(exc))}", file=sys.stderr)
        return exits.PLAN_FAILED
    except grpc.RpcError as exc:
        print(f"error: the policy pack stopped answering: {Redactor()(str(exc))}", file=sys.stderr)
        return exits.PLAN_FAILED
    if getattr(args, "json", False):
        sys.stdout.write(Redactor()(json.dumps(to_json(result), indent=1, sort_keys=True)) + "\n")
    else:
        render(result, sys.stdout, urns=getattr(args, "urns", False))
    if args.out:
        written = write_reports(result, Path(args.out), plan=result.plan)
        print(f"Reports written to {', '.join(str(p) for p in written)}", file=sys.stderr)
    return exits.VIOLATIONS if result.mandatory else exits.OK
