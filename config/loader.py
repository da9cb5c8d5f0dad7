"""Read the stack config through `pulumi.Config`, validate it once, and hand out its secrets.

`load()` runs before any resource is declared. It raises `ConfigError` (a `pulumi.RunError`, shown
without a traceback) listing every problem, so a bad stack declares nothing. Secret config keys are
read only with the secret getters; their values never reach the models or an error message.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pydantic import BaseModel, ValidationError

from config.errors import ConfigError, Problem, describe
from config.models import PROJECT, CloudSecret, FileSecret, GeneratedSecret, LiteralSecret, StackConfig
from config.references import check_references

NS = f"{PROJECT}:"
_UNION_TAGS = {"literal", "file", "generated", "cloud"}
# Values under these keys may be secret material pasted by mistake: never echo them.
_NEVER_ECHO = {"keys", "values"}


@dataclass(frozen=True)
class LoadedConfig:
    """A validated stack and the secret inputs it references."""

    stack: StackConfig
    """The validated, non-secret stack config."""
    literals: Mapping[str, pulumi.Output[str]]
    """Secret config key -> its value, as a Pulumi secret."""
    project_dir: Path
    """Directory `file` sources are relative to."""


def stack_file() -> str:
    return f"Pulumi.{pulumi.get_stack()}.yaml"


def _config_keys() -> set[str]:
    """Every config key the engine handed the program (explicit map and PULUMI_CONFIG)."""
    keys = set(pulumi.runtime.config.CONFIG.get())
    keys |= set(pulumi.runtime.get_config_env())
    return keys


def _is_secret(full_key: str, secret_env: set[str]) -> bool:
    """`secret_env`: the keys `PULUMI_CONFIG_SECRET_KEYS` marks secret (read once per load)."""
    return pulumi.runtime.is_config_secret(full_key) or full_key in secret_env


def _field_aliases() -> dict[str, str]:
    return {field.alias or name: name for name, field in StackConfig.model_fields.items()}


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for index, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _UNION_TAGS and index >= 2 and loc[0] == "secrets" and isinstance(loc[index - 1], int):
            continue  # pydantic puts the union tag in the path; users never wrote it
        elif "[" in str(part):  # function-after validators name themselves in the loc
            continue
        else:
            out += f".{part}" if out else str(part)
    return NS + out


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys a stack may write at `loc` (for 'unknown key' messages)."""
    model: type[BaseModel] | None = StackConfig
    for part in loc[:-1]:
        if model is None:
            return []
        if isinstance(part, int):
            continue
        if part in _UNION_TAGS:
            model = {
                "literal": LiteralSecret,
                "file": FileSecret,
                "generated": GeneratedSecret,
                "cloud": CloudSecret,
            }[part]
            continue
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == part), None)
        model = _model_in(field.annotation) if field else None
    if model is None:
        return []
    return [f.alias or n for n, f in model.model_fields.items() if not f.exclude]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _problem_from(error: Any) -> Problem:
    loc = tuple(error["loc"])
    key = _path(loc)
    kind = error["type"]
    value = error.get("input")
    echo = not (_NEVER_ECHO & {str(p) for p in loc})
    found = describe(value) if echo else "a value that is not shown"
    message = str(error["msg"])
    if kind == "missing":
        return Problem(key, "nothing", "a value: this key is required")
    if kind == "extra_forbidden":
        allowed = ", ".join(_allowed_keys(loc)) or "none"
        return Problem(key, f'unknown key "{loc[-1]}"', f"one of the keys {allowed}")
    if kind == "union_tag_invalid":
        return Problem(
            key + ".source", describe(error["ctx"]["tag"]), "one of literal, file, generated, cloud"
        )
    if kind == "union_tag_not_found":
        return Problem(key + ".source", "nothing", "one of literal, file, generated, cloud")
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :].removeprefix("expected ")
    elif message.startswith("Input should be "):
        message = message[len("Input should be ") :]
    elif message.startswith("String should match pattern "):
        message = "a string matching " + message[len("String should match pattern ") :]
    return Problem(key, found, message[0].lower() + message[1:] if message else "a valid value")


def parse(raw: Mapping[str, Any], region: str) -> tuple[StackConfig | None, list[Problem]]:
    """Validate raw config (our namespace, without prefix) into a `StackConfig`, or the problems."""
    try:
        stack = StackConfig.model_validate({**raw, "region": region})
    except ValidationError as exc:
        seen: set[str] = set()
        problems = []
        for error in exc.errors(include_url=False):
            problem = _problem_from(error)
            if problem.key not in seen:  # a union may report one mistake twice
                seen.add(problem.key)
                problems.append(problem)
        return None, problems
    return stack, check_references(stack)


def load(project_dir: Path | None = None) -> LoadedConfig:
    """Read and validate the stack's config; raise `ConfigError` listing every problem."""
    project_dir = project_dir or Path.cwd()
    cfg = pulumi.Config(PROJECT)
    fields = _field_aliases()
    problems: list[Problem] = []
    raw: dict[str, Any] = {}
    keys = _config_keys()  # once: a literal per secret would rebuild it thousands of times
    secret_env = set(pulumi.runtime.get_config_secret_keys_env())

    for alias in fields:
        if alias == "region":
            continue
        full = NS + alias
        if _is_secret(full, secret_env):
            problems.append(
                Problem(
                    full,
                    "a secret (secure:) value",
                    "plain structure here; keep each secret in its own key "
                    "(`pulumi config set --secret <key> <value>`) and name that key in the catalogue",
                )
            )
            continue
        value = cfg.get(alias)
        if value is None:
            continue
        try:
            raw[alias] = json.loads(value) if _looks_structured(value) else value
        except json.JSONDecodeError:
            raw[alias] = value
    if problems:  # a secret structured key hides the rest: report it alone
        raise ConfigError(stack_file(), problems)
    if (NS + "region") in keys:  # set by habit: point at the provider's own key
        problems.append(
            Problem(f"{NS}region", "a region under secrets-platform", "aws:region or azure-native:location")
        )

    cloud = raw.get("cloud")
    region = (
        pulumi.Config("aws").get("region")
        if cloud == "aws"
        else pulumi.Config("azure-native").get("location")
    ) or ""
    stack, model_problems = parse(raw, region)
    problems += model_problems

    literals: dict[str, pulumi.Output[str]] = {}
    referenced = _referenced_literal_keys(raw.get("secrets")) | _vault_password_keys(raw.get("vault"))
    if stack is not None:
        for i, entry in enumerate(stack.secrets):
            if isinstance(entry, LiteralSecret):
                for data_key, config_key in entry.keys.items():
                    where = f"{NS}secrets[{i}].keys.{data_key}"
                    problems += _literal(cfg, where, config_key, literals, keys, secret_env)
            elif isinstance(entry, FileSecret):
                file_problems = [p for k, path in entry.keys.items() for p in _file(project_dir, i, k, path)]
                problems += file_problems
                total = (
                    0 if file_problems else sum((project_dir / f).stat().st_size for f in entry.keys.values())
                )
                if total > SECRET_SIZE_LIMIT:
                    problems.append(
                        Problem(
                            f"{NS}secrets[{i}].keys",
                            f"files of {total:,} bytes in all",
                            "at most 1 MiB for one Secret: split the files over several secrets",
                        )
                    )
        for i, database in enumerate(stack.vault.databases if stack.vault else []):
            where = f"{NS}vault.databases[{i}].passwordKey"
            problems += _literal(cfg, where, database.password_key, literals, keys, secret_env)

    for full in sorted(keys):
        if not full.startswith(NS):
            continue
        key = full[len(NS) :]
        if key not in fields and key not in referenced and key != "region":
            problems.append(
                Problem(
                    full,
                    f'unknown key "{key}"',
                    f"one of {', '.join(a for a in fields if a != 'region')}, or a secret key named "
                    "by a literal secret of the catalogue",
                )
            )

    if problems or stack is None:
        raise ConfigError(stack_file(), problems)
    return LoadedConfig(stack=stack, literals=literals, project_dir=project_dir)


def _referenced_literal_keys(catalogue: Any) -> set[str]:
    """Config keys named by literal secrets, read leniently so a broken entry elsewhere still counts."""
    keys: set[str] = set()
    for entry in catalogue if isinstance(catalogue, list) else []:
        if (
            isinstance(entry, dict)
            and entry.get("source") == "literal"
            and isinstance(entry.get("keys"), dict)
        ):
            keys |= {v for v in entry["keys"].values() if isinstance(v, str)}
    return keys


def _vault_password_keys(vault: Any) -> set[str]:
    """Config keys named by `vault.databases[].passwordKey`, read leniently like the literal keys."""
    databases = vault.get("databases") if isinstance(vault, dict) else None
    listed = databases if isinstance(databases, list) else []
    return {d["passwordKey"] for d in listed if isinstance(d, dict) and isinstance(d.get("passwordKey"), str)}


def _looks_structured(value: str) -> bool:
    return value[:1] in "[{" or value in ("true", "false") or value.lstrip("-").isdigit()


def _literal(
    cfg: pulumi.Config,
    where: str,
    config_key: str,
    out: dict[str, pulumi.Output[str]],
    keys: set[str],
    secret_env: set[str],
) -> list[Problem]:
    full = NS + config_key
    if full not in keys:
        # The name is not echoed: a value pasted here by mistake must not reach a log.
        return [
            Problem(
                where,
                "the name of a config key the stack does not set",
                "a secret config key: run `pulumi config set --secret <key> <value>` with the name "
                "written at this path",
            )
        ]
    if not _is_secret(full, secret_env):
        return [
            Problem(
                full,
                "a plain-text value",
                f"a secret value: run `pulumi config set --secret {config_key} <value>` "
                "and rotate the exposed one",
            )
        ]
    out[config_key] = cfg.require_secret(config_key)
    return []


SECRET_SIZE_LIMIT = 1024 * 1024
"""A Kubernetes Secret holds at most 1 MiB of data (kubernetes.io/docs/concepts/configuration/secret)."""


def _file(project_dir: Path, index: int, data_key: str, path: str) -> list[Problem]:
    """Problems of one file source; the file is only inspected (`lstat`, `stat`) before it is read,
    so a FIFO or a device never blocks or floods the program."""
    where = f"{NS}secrets[{index}].keys.{data_key}"
    expected = "a regular UTF-8 text file inside the project directory, at most 1 MiB"
    root = project_dir.resolve()
    full = project_dir / path
    try:
        real = full.resolve(strict=True)
        mode = real.stat().st_mode
    except FileNotFoundError:
        return [Problem(where, f'"{path}", which does not exist', "a readable file relative to the project")]
    except (OSError, RuntimeError):  # a symlink loop, a path component that is not a directory
        return [Problem(where, f'"{path}", which cannot be resolved', expected)]
    if not real.is_relative_to(root):
        return [Problem(where, f'"{path}", a link to a file outside the project', expected)]
    if stat.S_ISDIR(mode):
        return [Problem(where, f'"{path}", a directory', "a readable file relative to the project")]
    if not stat.S_ISREG(mode):
        kind = "a named pipe" if stat.S_ISFIFO(mode) else "a device or socket"
        return [Problem(where, f'"{path}", {kind}', expected)]
    if real.stat().st_size > SECRET_SIZE_LIMIT:
        return [Problem(where, f'"{path}", {real.stat().st_size:,} bytes', expected)]
    try:
        real.read_bytes().decode("utf-8")
    except PermissionError:
        return [Problem(where, f'"{path}", which cannot be read', "a readable file relative to the project")]
    except UnicodeDecodeError:
        return [Problem(where, f'"{path}", a binary file', "a UTF-8 text file (PEM, JSON, ...)")]
    return []
