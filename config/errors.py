"""Config problems as users read them: stack file, key path, what was found, what is expected."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi


@dataclass(frozen=True)
class Problem:
    """One mistake in a stack file."""

    key: str
    """Key path as written in the stack file, such as `secrets-platform:secrets[2].readers[0]`."""
    found: str
    """What the stack says there (never a secret value)."""
    expected: str
    """What would be accepted."""

    def render(self, stack_file: str) -> str:
        return f"{stack_file}: {self.key}: found {self.found}; expected {self.expected}"


class ConfigError(pulumi.RunError):
    """Raised before any resource is declared; Pulumi prints `RunError`s without a traceback."""

    def __init__(self, stack_file: str, problems: list[Problem]) -> None:
        self.stack_file = stack_file
        self.problems = problems
        count = len(problems)
        lines = [p.render(stack_file) for p in problems]
        header = f"{count} problem{'s' if count != 1 else ''} in the stack config:"
        super().__init__("\n".join([header, *lines]))


def describe(value: object, *, limit: int = 60) -> str:
    """A short, quoted rendering of a non-secret config value for error messages."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "a map" if value else "an empty map"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f'"{text}"'


class DeclarationError(pulumi.RunError):
    """A limit only a component knows (a derived name too long for its cloud, say), refused before the
    resource exists. Shown like a config problem: one line, the stack file, no traceback."""

    def __init__(self, stack_file: str, message: str) -> None:
        self.stack_file = stack_file
        super().__init__(f"1 problem in the stack config:\n{stack_file}: {message}")
