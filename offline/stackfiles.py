"""Read `Pulumi.yaml` and `Pulumi.<stack>.yaml` as the Pulumi CLI does, without decrypting anything.

Each `secure:` value becomes a unique placeholder, and the key that holds it is marked secret, so
the program sees it through `require_secret` as it would see the decrypted value under `pulumi
preview`. The placeholders are the canaries the plan's leak check looks for.
"""

from __future__ import annotations

import json
import re
import secrets as token
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from config.errors import ConfigError, Problem, describe

PLACEHOLDER_PREFIX = "spcanary"


@dataclass
class StackInput:
    """The config map the engine would hand the program, with placeholders for secrets."""

    project: str
    stack: str
    config: dict[str, str]
    """Full key (`ns:key`) -> value as the SDK receives it (strings; structured values as JSON)."""
    secret_keys: list[str]
    """Keys that held a `secure:` value somewhere."""
    placeholders: dict[str, str] = field(default_factory=dict)
    """Placeholder -> the key path it stands for (never the value: the engine has none)."""
    secrets_provider: str = "passphrase"
    """`secretsprovider:` of the stack file, for the report."""
    run_id: str = ""
    """The random suffix of this read's placeholders (the mocks' generated canaries share it)."""


STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
"""Stack names the Pulumi CLI accepts (pkg/backend: `stackNameAndProjectRegexp`, 1 to 100 characters)."""

MAX_NODES = 100_000
"""Nodes a stack file may expand to through YAML aliases before it is refused (a "billion laughs"
document would otherwise take every byte of memory; Go's yaml.v3, which the CLI uses, refuses
excessive aliasing too)."""


def check_stack_name(stack: str) -> None:
    """Refuse a stack name the CLI would refuse, before it names a file to read."""
    if not STACK_NAME.match(stack):
        raise ConfigError(
            "(command line)",
            [
                Problem(
                    "--stack",
                    describe(stack),
                    "a stack name of 1 to 100 letters, digits, '-', '_' or '.', as the Pulumi CLI accepts",
                )
            ],
        )


_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """libyaml's safe loader (a 5,000-secret stack file reads 3x faster), refusing duplicate keys
    as the Pulumi CLI's YAML parser does ("mapping key ... already defined")."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key: construct_mapping reports it below
                break
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"mapping key {describe(key)} already defined at line {seen[key].start_mark.line + 1}",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """How many nodes `node` stands for once its aliases are expanded (shared nodes counted each time)."""
    if id(node) in memo:
        return memo[id(node)]
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(item, memo) for item in node.value)
    else:
        size = 1
    memo[id(node)] = size
    return size


def _load_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
        loader = _StrictLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None and _expanded_size(node, {}) > MAX_NODES:
                raise ConfigError(
                    path.name,
                    [
                        Problem(
                            "(file)",
                            "a document that expands past 100,000 nodes through aliases",
                            "a stack file without excessive aliasing",
                        )
                    ],
                )
            return loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except FileNotFoundError:
        raise ConfigError(path.name, [Problem("(file)", "no such file", f"a stack file at {path}")]) from None
    except (IsADirectoryError, PermissionError) as exc:
        raise ConfigError(path.name, [Problem("(file)", type(exc).__name__, "a readable file")]) from None
    except UnicodeDecodeError:
        raise ConfigError(
            path.name, [Problem("(file)", "bytes that are not UTF-8", "a UTF-8 text file")]
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(
            path.name, [Problem(where, f"a YAML syntax error ({problem})", "valid YAML")]
        ) from None


def _project_doc(project_dir: Path) -> dict[str, Any]:
    doc = _load_yaml(project_dir / "Pulumi.yaml") or {}
    if not isinstance(doc, dict) or not isinstance(doc.get("config") or {}, dict):
        raise ConfigError(
            "Pulumi.yaml", [Problem("(file)", "not a map with a config: map", "a Pulumi project file")]
        )
    return doc


def read_project_name(project_dir: Path) -> str:
    """The `name:` of the project's `Pulumi.yaml`."""
    return str(_project_doc(project_dir).get("name", ""))


def _full_key(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


class _Placeholders:
    def __init__(self, stack: str) -> None:
        self.run = token.token_hex(4)
        self.stack = stack
        self.made: dict[str, str] = {}

    def new(self, where: str) -> str:
        value = f"{PLACEHOLDER_PREFIX}-{self.stack}-{len(self.made) + 1}-{self.run}"
        self.made[value] = where
        return value


def _replace_secure(value: Any, where: str, ph: _Placeholders) -> tuple[Any, bool]:
    """Swap every `{secure: ...}` leaf for a placeholder; tell whether any was found."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return ph.new(where), True
        found = False
        out = {}
        for k, v in value.items():
            out[k], hit = _replace_secure(v, f"{where}.{k}", ph)
            found |= hit
        return out, found
    if isinstance(value, list):
        found = False
        items = []
        for i, v in enumerate(value):
            item, hit = _replace_secure(v, f"{where}[{i}]", ph)
            items.append(item)
            found |= hit
        return items, found
    return value, False


def _as_config_string(value: Any) -> str:
    """How the CLI hands a value to the program: strings as-is, everything else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def read_stack(project_dir: Path, stack: str) -> StackInput:
    """Read the project and stack files; raise `ConfigError` on a missing or malformed file."""
    check_stack_name(stack)
    project_doc = _project_doc(project_dir)
    project = project_doc.get("name", "")
    stack_path = project_dir / f"Pulumi.{stack}.yaml"
    stack_doc = _load_yaml(stack_path) or {}
    if not isinstance(stack_doc, dict):
        raise ConfigError(stack_path.name, [Problem("(file)", "not a map", "a map with a config: key")])
    ph = _Placeholders(stack)
    config: dict[str, str] = {}
    secret_keys: list[str] = []

    # Project-level declarations: `default` for our keys, `value` for other namespaces.
    for key, decl in (project_doc.get("config") or {}).items():
        full = _full_key(project, key)
        if isinstance(decl, dict) and ("default" in decl or "value" in decl):
            config[full] = _as_config_string(decl.get("default", decl.get("value")))
        elif not isinstance(decl, dict):
            config[full] = _as_config_string(decl)

    stack_config = stack_doc.get("config") or {}
    if not isinstance(stack_config, dict):
        raise ConfigError(stack_path.name, [Problem("config", "not a map", "a map of config keys")])
    for key, value in stack_config.items():
        full = _full_key(project, str(key))
        replaced, secret = _replace_secure(value, full, ph)
        config[full] = _as_config_string(replaced)
        if secret:
            secret_keys.append(full)
    provider = stack_doc.get("secretsprovider") or "passphrase"
    return StackInput(project, stack, config, secret_keys, ph.made, str(provider).split("://")[0], ph.run)
