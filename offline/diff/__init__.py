"""`secrets-platform diff`: what a change does to a stack, as Markdown ready to post on a pull request.

Two plans (the base branch's and the change's, both made offline and without credentials) are
matched by URN. Nothing the diff prints or writes holds a value, a ciphertext or a hash. The
package, by concern:

- `model`: the typed changes (actions, verdicts and their causes, reasons, notes);
- `replace`: what forces a replacement, per type, with each provider's source;
- `provenance`: `--base` mode's comparison of ciphertexts and files, in memory;
- `compare`: the diff of two plans (`diff_plans`), access and violation changes;
- `markdown`: the pull request comment, security sections first, resources folded;
- `guard`: the last check of every text that leaves;
- `refs`: checking a git ref and the working tree, the program run once per side;
- `command`: the `diff` command.
"""

from __future__ import annotations

from offline.diff.command import cmd_diff, compute_diff, diff_json, introduced_mandatory, run_diff
from offline.diff.compare import diff_access, diff_plans, diff_violations
from offline.diff.guard import guard
from offline.diff.markdown import COMMENT_LIMIT, render_markdown
from offline.diff.model import (
    AccessChange,
    Action,
    Cause,
    Change,
    Diff,
    Note,
    PropertyChange,
    Reason,
    ResourceChange,
    SecretChange,
    Verdict,
    ViolationChange,
)
from offline.diff.provenance import Provenance
from offline.diff.refs import DiffError, diff_against_ref, extract_ref
from offline.diff.replace import REPLACE_RULES, ReplaceRule, replace_rules

ADDED, CHANGED, REMOVED, UNCHANGED, UNKNOWN = (
    Verdict.ADDED,
    Verdict.CHANGED,
    Verdict.REMOVED,
    Verdict.UNCHANGED,
    Verdict.UNKNOWN,
)

__all__ = [
    "ADDED",
    "CHANGED",
    "COMMENT_LIMIT",
    "REMOVED",
    "REPLACE_RULES",
    "UNCHANGED",
    "UNKNOWN",
    "AccessChange",
    "Action",
    "Cause",
    "Change",
    "Diff",
    "DiffError",
    "Note",
    "PropertyChange",
    "Provenance",
    "Reason",
    "ReplaceRule",
    "ResourceChange",
    "SecretChange",
    "Verdict",
    "ViolationChange",
    "cmd_diff",
    "compute_diff",
    "diff_access",
    "diff_against_ref",
    "diff_json",
    "diff_plans",
    "diff_violations",
    "extract_ref",
    "guard",
    "introduced_mandatory",
    "render_markdown",
    "replace_rules",
    "run_diff",
]
