"""The pack's policy config as the engine computes it for `Configure`.

`--policy-pack-config FILE` (here `policies/config/<stack>.json` by default) is a JSON object of policy
name (or `all`) -> an enforcement level or `{"enforcementLevel": ..., <property>: ...}`; schema
defaults come first, and each policy's properties are validated against its schema.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2

from offline.check.pack import PACK_DIR


class Level(StrEnum):
    """An enforcement level, as the policy config and the analyzer protocol name it."""

    ADVISORY = "advisory"
    MANDATORY = "mandatory"
    REMEDIATE = "remediate"
    DISABLED = "disabled"


_LEVELS = {level.value for level in Level}

PolicyConfig = dict[str, tuple[str, dict[str, Any]]]
"""Policy name -> (enforcement level, properties): what `Configure` sends."""


class PolicyConfigError(Exception):
    """The policy config file names an unknown policy or breaks a policy's config schema."""


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


def level_name(level: int) -> str:
    return analyzer_pb2.EnforcementLevel.Name(level).lower()


def severity_name(severity: int) -> str:
    return analyzer_pb2.PolicySeverity.Name(severity).removeprefix("POLICY_SEVERITY_").lower()


def effective_config(
    policies: dict[str, analyzer_pb2.PolicyInfo], doc: dict[str, Any], source: str = "policy config"
) -> PolicyConfig:
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
        level = default_level if default_level in _LEVELS else level_name(info.enforcementLevel)
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
