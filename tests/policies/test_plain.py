"""`plain()` is the SDK's own unwrapping (`serialize_properties`), only faster: same output, always."""

from __future__ import annotations

import copy
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pulumi_policy.deserialize import deserialize_properties, serialize_properties
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from offline.check import effective_config, load_policy_config, policy_config_path
from offline.check.inprocess import InProcessPack
from policies import _support
from policies._support import plain
from tests.offline.test_check import _appended_capture

SIG = "4dabf18193072939515e22adb298388d"
ASSET = {SIG: "c44067f5952c0a294b673a41bacd8c17", "path": "out/function.zip"}
ARCHIVE = {
    SIG: "0def7320c3a5731c473e5ecbe6d01bc7",
    "assets": {"a": {SIG: "c44067f5952c0a294b673a41bacd8c17", "text": "x"}},
}
SECRET = {SIG: "1b47061264138c4ac30d75fd1eb44270", "value": {"password": "spcanary-t-1-0a1b2c3d"}}

scalars = st.one_of(
    st.none(), st.booleans(), st.floats(allow_nan=False), st.text(max_size=8), st.just(UNKNOWN_STRING_VALUE)
)
values = st.recursive(
    st.one_of(scalars, st.sampled_from([ASSET, ARCHIVE, SECRET])),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=30,
)


def _as_the_engine_sends(props: dict[str, Any]) -> Any:
    return unknown_checking_proxy(deserialize_properties(props))


@given(st.dictionaries(st.text(max_size=6), values, max_size=5))
def test_plain_is_serialize_properties(props: dict[str, Any]) -> None:
    proxied = _as_the_engine_sends(props)
    assert plain(proxied) == dict(serialize_properties(proxied))


def test_assets_archives_and_secrets_come_back_as_the_sdk_gives_them() -> None:
    proxied = _as_the_engine_sends({"code": ARCHIVE, "file": ASSET, "data": SECRET, "n": 2.0})
    found = plain(proxied)
    assert found == dict(serialize_properties(proxied))
    assert found["file"] == ASSET and found["data"] == {"password": "spcanary-t-1-0a1b2c3d"}


def test_the_copy_of_one_proxy_is_made_once_and_a_plain_mapping_is_copied_each_time() -> None:
    proxied = _as_the_engine_sends({"spec": {"replicas": 2.0}})
    first = plain(proxied)
    assert plain(proxied) is first, "the same proxy: the same copy"
    other = _as_the_engine_sends({"spec": {"replicas": 2.0}})
    assert plain(other) == first and plain(other) is not first, "another proxy: its own copy"
    mapping: dict[str, Any] = {"a": 1.0}
    assert plain(mapping) == {"a": 1.0}
    mapping["a"] = 2.0
    assert plain(mapping) == {"a": 2.0}, "a mapping its owner changed is copied afresh"


def test_no_policy_changes_the_copy_it_shares_with_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    """The offline check's server hands every policy judging a resource the same copy (`plain()`):
    here the whole pack judges the dev stack with every unsafe corpus program appended, and every
    copy handed out is compared, at the end, with a snapshot taken when it was handed out."""
    handed: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
    real = _support.plain

    def recording(props: Any) -> dict[str, Any]:
        copied = real(props)
        if id(copied) not in handed:
            handed[id(copied)] = (copied, copy.deepcopy(copied))
        return copied

    modules = [m for name, m in sys.modules.items() if name.startswith("policies.") and hasattr(m, "plain")]
    for module in modules:
        if module.plain is real:
            monkeypatch.setattr(module, "plain", recording)
    capture = _appended_capture("dev")[1]
    with InProcessPack(project="secrets-platform", stack="dev") as pack:
        policies = pack.policies()
        pack.configure(effective_config(policies, load_policy_config(policy_config_path("dev")), "dev.json"))
        assert pack.analyze(capture.resources), "the corpus makes policies report"
    assert len(handed) > 500, "every resource of the stack and the corpus is copied"
    changed = [i for i, (copied, snapshot) in handed.items() if copied != snapshot]
    assert not changed, f"{len(changed)} copies were changed by a policy"
