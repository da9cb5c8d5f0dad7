"""The pack in a child process fed over a pipe (`offline.check.piped`): what goes wrong is one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from offline.check import PackError, effective_config
from offline.check.piped import PipedPack
from offline.runtime import Registration

PACK_MAIN = """
import sys
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def validate(args, report):
    print("a policy that prints on standard output")
    if args.resource_type == "test:index:Broken":
        raise ValueError("the policy broke on purpose")
    if args.props.get("open"):
        report("open")


PolicyPack(
    name="scratch",
    policies=[ResourceValidationPolicy("no-open", "Nothing open.", validate)],
    enforcement_level=EnforcementLevel.MANDATORY,
)
"""


@pytest.fixture
def scratch_pack(tmp_path: Path) -> Path:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\n", encoding="utf-8")
    (pack / "__main__.py").write_text(PACK_MAIN, encoding="utf-8")
    return pack


def _registration(name: str, type_: str = "test:index:Thing", **inputs: object) -> Registration:
    return Registration(
        type=type_,
        name=name,
        urn=f"urn:pulumi:t::p::{type_}::{name}",
        parent="",
        custom=True,
        provider="",
        inputs=dict(inputs),
        secret_paths=[],
        unknown_paths=[],
        options={},
        dependencies=[],
        property_dependencies={},
    )


def _configured(pack: PipedPack) -> PipedPack:
    pack.configure(effective_config(pack.policies(), {}))
    return pack


def test_answers_come_back_in_order_and_what_a_policy_prints_stays_out_of_them(scratch_pack: Path) -> None:
    with PipedPack(scratch_pack, project="p", stack="t") as pack:
        registrations = [_registration(f"r{i}", open=i % 3 == 0) for i in range(30)]
        found = _configured(pack).analyze(registrations)
        assert [d.urn for d in found] == [r.urn for r in registrations if r.inputs["open"]]
        assert {(d.policyName, d.message) for d in found} == {("no-open", "Nothing open.\nopen")}


def test_a_stream_abandoned_does_not_shift_the_answers_of_the_next(scratch_pack: Path) -> None:
    with PipedPack(scratch_pack, project="p", stack="t") as pack:
        _configured(pack)
        stream = pack.stream()
        for i in range(5):
            stream.submit(_registration(f"old{i}", open=True))
        stream.abandon()
        found = pack.analyze([_registration("new-closed", open=False), _registration("new-open", open=True)])
        assert [d.urn for d in found] == ["urn:pulumi:t::p::test:index:Thing::new-open"]


def test_a_policy_that_raises_is_a_pack_error_of_one_line(scratch_pack: Path) -> None:
    with PipedPack(scratch_pack, project="p", stack="t") as pack:
        _configured(pack)
        with pytest.raises(PackError, match="ValueError: the policy broke on purpose") as raised:
            pack.analyze([_registration("fine"), _registration("broken", "test:index:Broken")])
        assert "\n" not in str(raised.value)
        # The child goes on: the next stream is answered.
        assert len(pack.analyze([_registration("again", open=True)])) == 1


def test_a_child_that_stops_is_reported_not_waited_for(scratch_pack: Path) -> None:
    with PipedPack(scratch_pack, project="p", stack="t") as pack:
        _configured(pack)
        stream = pack.stream()
        stream.submit(_registration("before"))
        assert pack.process is not None
        pack.process.kill()
        pack.process.wait()
        for i in range(200):  # writes to a pipe nobody reads any more: no error until the answer
            stream.submit(_registration(f"after{i}"))
        with pytest.raises(PackError, match="stopped answering"):
            stream.finish()


def test_a_child_that_cannot_load_the_pack_is_reported_with_its_error(tmp_path: Path) -> None:
    pack_dir = tmp_path / "pack"
    pack_dir.mkdir()
    (pack_dir / "PulumiPolicy.yaml").write_text("runtime: python\n", encoding="utf-8")
    # The check's process loads the pack too (for its policy list); only the child, started with the
    # stack in PULUMI_STACK as the engine starts a pack, fails here.
    (pack_dir / "__main__.py").write_text(
        PACK_MAIN.replace(
            "import sys\n",
            "import os, sys\nif os.environ.get('PULUMI_STACK') == 'child-fails':\n    raise SystemExit('no pack here')\n",
        ),
        encoding="utf-8",
    )
    with (
        PipedPack(pack_dir, project="p", stack="child-fails") as pack,
        pytest.raises(PackError, match="no pack here"),
    ):
        _configured(pack).analyze([_registration("r")])
