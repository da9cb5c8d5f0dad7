"""Pulumi.yaml's config block and the README reference are generated from the models, and valid."""

from __future__ import annotations

import yaml

from config.models import StackConfig
from config.schema import check_project_file, project_config_block, render_reference
from tests.conftest import ROOT

PULUMI_TYPES = {"string", "integer", "boolean", "array", "object"}
ALLOWED_KEYS = {"type", "items", "description", "secret", "default", "value"}


def test_project_file_and_readme_are_up_to_date() -> None:
    assert check_project_file(ROOT / "Pulumi.yaml") == []


def test_declarations_follow_pulumis_project_config_schema() -> None:
    block = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    for key, decl in block.items():
        assert set(decl) <= ALLOWED_KEYS, f"{key} uses keys Pulumi rejects: {set(decl) - ALLOWED_KEYS}"
        assert decl["type"] in PULUMI_TYPES, key
        if decl["type"] == "array":
            assert decl["items"]["type"] in PULUMI_TYPES, key
        assert not ("default" in decl and "value" in decl), key


def test_required_fields_have_no_default_and_optional_ones_do() -> None:
    block = project_config_block()
    for name, field in StackConfig.model_fields.items():
        key = field.alias or name
        if field.exclude or (not field.is_required() and field.default is None):
            assert key not in block, f"{key} cannot be declared: Pulumi has no null default"
        elif field.is_required():
            assert "default" not in block[key], key
        else:
            assert "default" in block[key], key
    assert block["secrets"] == {
        "type": "array",
        "items": {"type": "object"},
        "description": "The secret catalogue.",
        "default": [],
    }


def test_reference_documents_every_field_of_every_model() -> None:
    text = render_reference()
    for key in (
        "rotationDays",
        "kubernetesVersion",
        "allowFrom",
        "secretValues",
        "operatorRoleArn",
        "keyVaultName",
    ):
        assert f"| `{key}` |" in text, key
