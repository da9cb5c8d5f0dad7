"""`plain()` is the SDK's own unwrapping (`serialize_properties`), only faster: same output, always."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pulumi_policy.deserialize import deserialize_properties, serialize_properties
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from policies._support import plain

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
