"""The CMS writer without a server: reading the mounted Secret, its arguments, and its decisions
against a fake CMS (the same writer runs against Directus in test_bff_e2e.py)."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import pytest

from bff.audit import MAX_NAME_CHARS, AuditEvent, AuditLog
from bff.http11 import Response, TransportError
from bff.writer import CmsWriter, WriteError, parse_request, read_secret_dir
from tests.bff._fakes import FakeClient, Request, answer, kubelet_secret_dir

VALUE = "spcanary-writer-55aa"


def test_the_mounted_secret_is_read_key_by_key(tmp_path: Path) -> None:
    directory = kubelet_secret_dir(tmp_path / "s", {"api-key": VALUE, "tls.crt": "-----BEGIN-----\n"})
    assert read_secret_dir(directory) == {"api-key": VALUE, "tls.crt": "-----BEGIN-----\n"}


def test_a_binary_value_or_an_empty_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "blob").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(WriteError, match="blob: not UTF-8 text"):
        read_secret_dir(tmp_path / "bin")
    (tmp_path / "empty").mkdir()
    with pytest.raises(WriteError, match="holds no data key"):
        read_secret_dir(tmp_path / "empty")


def test_arguments_are_names_and_paths_only(tmp_path: Path) -> None:
    request = parse_request(
        [
            "--name",
            "maps-api-key",
            "--version",
            "3",
            "--secret-dir",
            str(tmp_path),
            "--cms-url",
            "https://cms",
            "--cms-ca-file",
            "ca.crt",
            "--token-file",
            "token",
        ]
    )
    assert (request.name, request.version, request.collection) == ("maps-api-key", 3, "mobile_secrets")
    with pytest.raises(SystemExit):
        parse_request(["--value", VALUE])
    with pytest.raises(WriteError) as caught:
        parse_request(["--name", "Bad_Name", "--version", "0", "--cms-url", "http://cms"])
    assert str(caught.value).splitlines() == [
        "--secret-dir is required",
        "--cms-ca-file is required",
        "--token-file is required",
        "--name must be a catalogue secret name (lower-case letters, digits, dashes)",
        "--version must be 1 or more",
        "--cms-url must be an https:// URL",
    ]


class FakeCms:
    """Directus's answers for one collection, as far as the writer uses them."""

    def __init__(self, stored: dict[str, Any] | None = None, race: bool = False) -> None:
        self.stored = stored
        self.race = race
        self.calls: list[tuple[str, str]] = []

    def handle(self, request: Request) -> Response:
        self.calls.append((request.method, request.path))
        assert request.headers["authorization"] == "Bearer writer-token"
        if request.method == "GET":
            return answer(200, {"data": [self.stored] if self.stored else []})
        if request.method == "POST":
            if self.race:  # another writer created it first
                self.race, self.stored = False, {"name": "k", "version": 1, "data": {"a": "old"}}
                return answer(400, {"errors": [{"extensions": {"code": "RECORD_NOT_UNIQUE"}}]})
            self.stored = request.json_body
            return answer(200, {"data": request.json_body})
        if request.method == "PATCH":
            assert self.stored is not None
            self.stored = {**self.stored, **request.json_body}
            return answer(200, {"data": self.stored})
        return answer(405)


def write(cms: FakeCms, version: int) -> str:
    writer = CmsWriter(
        FakeClient("https://cms.test", cms.handle), "writer-token", "mobile_secrets", retries=0
    )
    return asyncio.run(writer.write("k", version, {"a": VALUE}))


def test_a_missing_item_is_created() -> None:
    cms = FakeCms()
    assert write(cms, 1) == "created"
    assert cms.stored == {"name": "k", "version": 1, "data": {"a": VALUE}}
    assert cms.calls == [("GET", "/items/mobile_secrets"), ("POST", "/items/mobile_secrets")]


def test_an_older_version_is_updated_in_place() -> None:
    cms = FakeCms({"name": "k", "version": 1, "data": {"a": "old"}})
    assert write(cms, 2) == "updated"
    assert cms.stored == {"name": "k", "version": 2, "data": {"a": VALUE}}
    assert cms.calls[-1] == ("PATCH", "/items/mobile_secrets/k"), "one update: no delete, no gap"


@pytest.mark.parametrize("version", [2, 1])
def test_the_same_or_an_older_version_changes_nothing(version: int) -> None:
    cms = FakeCms({"name": "k", "version": 2, "data": {"a": "current"}})
    assert write(cms, version) == "unchanged"
    assert cms.calls == [("GET", "/items/mobile_secrets")]


def test_a_concurrent_create_becomes_an_update() -> None:
    cms = FakeCms(race=True)
    assert write(cms, 2) == "updated"
    assert cms.stored is not None and cms.stored["version"] == 2


def test_a_refusal_names_the_status_not_the_value() -> None:
    def refuse(request: Request) -> Response:
        return answer(403, {"errors": [{"message": "forbidden"}]})

    writer = CmsWriter(FakeClient("https://cms.test", refuse), "writer-token", "mobile_secrets", retries=0)
    with pytest.raises(WriteError) as caught:
        asyncio.run(writer.write("k", 1, {"a": VALUE}))
    assert str(caught.value) == "reading k: the CMS answered HTTP 403"


def test_an_unreachable_cms_fails_after_bounded_retries() -> None:
    calls = []

    def down(request: Request) -> Response:
        calls.append(request)
        raise TransportError("ConnectionRefusedError")

    writer = CmsWriter(FakeClient("https://cms.test", down), "writer-token", "mobile_secrets", retries=2)
    with pytest.raises(WriteError, match="CMS: ConnectionRefusedError after 3 attempt"):
        asyncio.run(writer.write("k", 1, {"a": VALUE}))
    assert len(calls) == 3


# --- the audit line -----------------------------------------------------------------------------------


def test_an_audit_line_has_exactly_the_documented_fields() -> None:
    stream = io.StringIO()
    AuditLog(stream).write(AuditEvent("shopper-ios", "x" * 500, "forbidden", 403, 1.23456, "203.0.113.9"))
    line = json.loads(stream.getvalue())
    assert sorted(line) == ["app", "client_ip", "decision", "latency_ms", "secret", "status", "time", "type"]
    assert line["secret"] == "x" * MAX_NAME_CHARS and line["latency_ms"] == 1.235
    assert line["time"].endswith("+00:00") and line["type"] == "audit"
    assert stream.getvalue().count("\n") == 1


def test_an_audit_line_escapes_what_a_client_sent() -> None:
    stream = io.StringIO()
    AuditLog(stream).write(AuditEvent(None, 'evil"\n{"forged":1}', "forbidden", 403, 1.0, "unknown"))
    assert stream.getvalue().count("\n") == 1, "a name cannot start a second line"
    assert json.loads(stream.getvalue())["secret"] == 'evil"\n{"forged":1}'
