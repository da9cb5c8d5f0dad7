"""Exit codes of every `secrets-platform` command, documented in the README ("Exit codes").

Distinct, so a script or a CI step can tell a wrong stack file from a blocked policy or a bug.
"""

from __future__ import annotations

OK = 0
"""Done; nothing blocks."""
PLAN_FAILED = 1
"""The plan failed its own checks: a secret leaked, or an input would have been silently dropped."""
BAD_INPUT = 2
"""The stack config or a file it names is wrong (every problem listed, nothing declared)."""
OVERDUE = 3
"""`rotation`: at least one secret is past its rotation due date (a scheduled job fails on it)."""
VIOLATIONS = 4
"""A mandatory policy violation (`check`), or one the change introduces (`diff`)."""
INTERNAL = 5
"""A bug of the tool itself: the message says what failed; please report it."""
USAGE = 64
"""The command line is wrong (sysexits.h `EX_USAGE`)."""
BROKEN_PIPE = 141
"""The reader of standard output went away (`... | head`): 128 + SIGPIPE, as a shell reports it."""
