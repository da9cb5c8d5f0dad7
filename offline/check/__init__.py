"""`secrets-platform check`: the policy pack over a stack's offline plan, the way `pulumi preview` runs it.

A pull request runs this without credentials. The program runs under the mock runtime (as for the
plan, with the plan's own leak and dropped-input checks); the pack starts as the engine starts it and
is driven with the engine's analyzer requests: `GetAnalyzerInfo`, `Configure` with the stack's
policy config (schema defaults first, then `policies/config/<stack>.json`), `ConfigureStack`,
`Analyze` per resource with its options and provider, and `AnalyzeStack` with parents and
dependencies. On top of the pack, the check runs what only the offline plan can see: which inputs
are Pulumi secrets (the `offline-*` checks of `offline/secret_flow.py`).

The package, by concern:

- `pack`: the pack's process and the analyzer protocol (`PolicyPackProcess`, `AnalyzeStream`);
- `piped`: the pack in a child process fed over a pipe while the program runs (the default);
- `inprocess`: the pack evaluated in the calling process (what the piped child runs);
- `servicer`: the pack server the check starts (pulumi-policy's servicer, each request deserialized once);
- `wire`: a registration as the engine marshals it for the analyzer;
- `policy_config`: the policy config as the engine computes it for `Configure`;
- `result`: violations, the check's result, and the redaction of every text that leaves;
- `reports`: the text report, `violations.json` and SARIF 2.1.0;
- `run`: a whole check (`run_check`) and the `check` command.

Exit codes: 0 no mandatory violation, 1 the plan failed its own checks (or the pack did not
answer), 2 the stack config or the policy config is wrong, 4 at least one mandatory violation.
"""

from __future__ import annotations

from offline import exits
from offline.check.pack import (
    PACK_DIR,
    AnalyzeStream,
    PackError,
    PolicyPackProcess,
    pack_python,
    pack_version,
)
from offline.check.policy_config import (
    Level,
    PolicyConfig,
    PolicyConfigError,
    effective_config,
    load_policy_config,
    policy_config_path,
)
from offline.check.reports import (
    PLAN_FILE,
    SARIF_FILE,
    SARIF_SCHEMA,
    VIOLATIONS_FILE,
    render,
    security_severity,
    short_name,
    to_json,
    to_sarif,
    write_reports,
)
from offline.check.result import CheckResult, Redactor, Source, Violation
from offline.check.run import check_capture, cmd_check, offline_findings, run_check, stack_sources
from offline.check.wire import wrap_secrets
from offline.secret_flow import OFFLINE_CHECKS

EXIT_VIOLATIONS = exits.VIOLATIONS

__all__ = [
    "EXIT_VIOLATIONS",
    "OFFLINE_CHECKS",
    "PACK_DIR",
    "PLAN_FILE",
    "SARIF_FILE",
    "SARIF_SCHEMA",
    "VIOLATIONS_FILE",
    "AnalyzeStream",
    "CheckResult",
    "Level",
    "PackError",
    "PolicyConfig",
    "PolicyConfigError",
    "PolicyPackProcess",
    "Redactor",
    "Source",
    "Violation",
    "check_capture",
    "cmd_check",
    "effective_config",
    "load_policy_config",
    "offline_findings",
    "pack_python",
    "pack_version",
    "policy_config_path",
    "render",
    "run_check",
    "security_severity",
    "short_name",
    "stack_sources",
    "to_json",
    "to_sarif",
    "wrap_secrets",
    "write_reports",
]
