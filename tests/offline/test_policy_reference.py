"""The README's policy list is generated from the pack and the offline checks, and kept current."""

from __future__ import annotations

from offline.policy_reference import README, main, reference, with_reference
from offline.secret_flow import OFFLINE_CHECKS
from policies import ALL_POLICIES


def test_every_policy_and_offline_check_is_listed_once() -> None:
    table = reference()
    for name in [p.name for p in ALL_POLICIES] + list(OFFLINE_CHECKS):
        assert table.count(f"| `{name}` |") == 1, name


def test_the_readme_list_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert with_reference(text) == text, "run `make schema`"
    assert main(["--check"]) == 0


def test_levels_follow_each_stack_policy_config() -> None:
    row = next(line for line in reference().splitlines() if "`aws-kms-key-deletion-window`" in line)
    assert "| advisory | mandatory |" in row, row
