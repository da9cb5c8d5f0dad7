"""Documentation and Pulumi project declarations generated from the config models.

`Pulumi.yaml`'s `config:` block and the README's config reference both come from here, so the
models stay the single source of truth (`secrets-platform schema`; a test fails when either is stale).
"""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from config.models import (
    PROJECT,
    CloudSecret,
    FileSecret,
    GeneratedSecret,
    LiteralSecret,
    StackConfig,
)


def _strip(annotation: Any) -> Any:
    """Remove Annotated and Optional wrappers."""
    while get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _strip(args[0])
    return annotation


def pulumi_type(annotation: Any) -> dict[str, Any]:
    """Pulumi's project config type for a model field (string, integer, boolean, array, object)."""
    annotation = _strip(annotation)
    origin = get_origin(annotation)
    if annotation is bool:
        return {"type": "boolean"}
    if annotation is int:
        return {"type": "integer"}
    if annotation is str or origin is Literal:
        return {"type": "string"}
    if origin is list:
        return {"type": "array", "items": pulumi_type(get_args(annotation)[0])}
    return {"type": "object"}


def _is_secret_catalogue(annotation: Any) -> bool:
    return "SecretEntry" in repr(annotation) or "LiteralSecret" in repr(annotation)


def project_config_block() -> dict[str, Any]:
    """The `config:` block of Pulumi.yaml: every key that can be declared without a value."""
    block: dict[str, Any] = {}
    for name, field in StackConfig.model_fields.items():
        if field.exclude:
            continue
        key = field.alias or name
        entry = pulumi_type(field.annotation)
        entry["description"] = " ".join((field.description or "").split())
        if not field.is_required():
            default = field.default if field.default is not PydanticUndefined else field.default_factory()
            if default is None:
                continue  # Pulumi has no null default; an undeclared key is still accepted
            if isinstance(default, BaseModel):
                default = {}
            entry["default"] = default
        block[key] = entry
    return block


def check_project_file(path: Path) -> list[str]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    declared = {k: v for k, v in (doc.get("config") or {}).items() if ":" not in k}
    expected = project_config_block()
    problems = []
    for key in sorted(set(declared) | set(expected)):
        if declared.get(key) != expected.get(key):
            problems.append(f"{path.name}: config.{key} differs from the models; run `make schema`")
    readme = path.parent / "README.md"
    if readme.exists():
        text = readme.read_text(encoding="utf-8")
        if README_BEGIN not in text or readme_with_reference(text) != text:
            problems.append("README.md: the config reference differs from the models; run `make schema`")
    return problems


def _type_name(annotation: Any) -> str:
    annotation = _strip(annotation)
    origin = get_origin(annotation)
    if origin is Literal:
        return " \\| ".join(f"`{a}`" for a in get_args(annotation))
    if origin is list:
        return f"list of {_type_name(get_args(annotation)[0])}"
    if origin is dict:
        return "map"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    if _is_secret_catalogue(annotation):
        return "[secret entry](#secret-catalogue)"
    return getattr(annotation, "__name__", str(annotation))


def _default(field: Any) -> str:
    if field.is_required():
        return "**required**"
    default = field.default if field.default is not PydanticUndefined else field.default_factory()
    if isinstance(default, BaseModel):
        return "defaults"
    if default is None or default == "":
        return "—"
    return f"`{yaml.safe_dump(default, default_flow_style=True).strip().removesuffix('...').strip()}`"


def _table(model: type[BaseModel], title: str) -> list[str]:
    lines = [f"#### {title}", "", (model.__doc__ or "").strip().split("\n")[0], ""]
    lines += ["| key | type | default | meaning |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        description = " ".join((field.description or "").split()).replace("|", "\\|")
        lines.append(
            f"| `{field.alias or name}` | {_type_name(field.annotation)} | {_default(field)} | {description} |"
        )
    return [*lines, ""]


def _models_in(model: type[BaseModel], seen: list[type[BaseModel]]) -> None:
    for field in model.model_fields.values():
        for arg in _flatten(field.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel) and arg not in seen:
                seen.append(arg)
                _models_in(arg, seen)


def _flatten(annotation: Any) -> list[Any]:
    out = [annotation]
    for arg in get_args(annotation) or ():
        out += _flatten(arg)
    return out


def render_reference() -> str:
    """The config reference for the README, generated from the models."""
    lines = [
        f"Keys live in the `{PROJECT}:` namespace of `Pulumi.<stack>.yaml`. The region is the provider's",
        "own key (`aws:region` or `azure-native:location`). Unknown keys are errors.",
        "",
    ]
    lines += _table(StackConfig, "StackConfig (top-level keys)")
    models: list[type[BaseModel]] = []
    _models_in(StackConfig, models)
    catalogue = [LiteralSecret, FileSecret, GeneratedSecret, CloudSecret]
    for model in models:
        if model not in catalogue:
            lines += _table(model, model.__name__)
    lines += [
        "### Secret catalogue",
        "",
        "Each entry of `secrets` has a `source` that decides its other keys.",
        "",
    ]
    for model in catalogue:
        lines += _table(model, f"source: {model.model_fields['source'].annotation.__args__[0]}")
    return "\n".join(lines)


PROJECT_HEADER = """name: secrets-platform
description: Creates, rotates and audits the secrets of a Kubernetes backend and of the mobile apps it serves.
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: .venv
# The config block below is generated from config/models/ (`make schema`); do not edit by hand.
"""
README_BEGIN = "<!-- config-reference:begin (generated by `make schema`) -->"
README_END = "<!-- config-reference:end -->"


def project_file_text() -> str:
    block = yaml.safe_dump({"config": project_config_block()}, sort_keys=False, width=200)
    return PROJECT_HEADER + block


def readme_with_reference(readme: str) -> str:
    """The README with its generated config reference replaced by the current one."""
    start = readme.index(README_BEGIN) + len(README_BEGIN)
    end = readme.index(README_END)
    return readme[:start] + "\n" + render_reference() + "\n" + readme[end:]


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    (root / "Pulumi.yaml").write_text(project_file_text(), encoding="utf-8")
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    if README_BEGIN in text:
        readme.write_text(readme_with_reference(text), encoding="utf-8")
    print("Pulumi.yaml config block and README config reference regenerated from config/models/")


if __name__ == "__main__":
    main()
