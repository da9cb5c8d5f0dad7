"""`python -m bff provision-cms` against a real Directus (npm, SQLite, TLS) of its own, started once for
this module: from an empty CMS to the collection, the two roles and their users; run again and again
(idempotent); read-token rotation through the two user slots; drift put back; the administrator's
password rotated; bad usage; and no password or token in any output.

The tests run in order on one CMS, each starting from what the previous left (`--dist loadscope`
keeps a module on one worker).
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bff.provision import READER, WRITER, ProvisionError, parse_request
from tests.bff._bff import ROOT
from tests.bff._directus import Directus, Tokens
from tests.bff._pki import make_pki

pytestmark = pytest.mark.bff_e2e

COLLECTION = "mobile_secrets"


class Cms:
    """The module's Directus, and every secret handed to it (for the leak scan)."""

    def __init__(self, directus: Directus) -> None:
        self.directus = directus
        self.planted: list[str] = [directus.admin_password]
        self.outputs: list[str] = []
        self.tokens = self.new_tokens()

    def new_tokens(self, writer: str | None = None) -> Tokens:
        tokens = Tokens(reader=secrets.token_urlsafe(32), writer=writer or secrets.token_urlsafe(32))
        self.planted += [tokens.reader, tokens.writer]
        return tokens

    def provision(self, tokens: Tokens, **kwargs: object) -> subprocess.CompletedProcess[str]:
        result = self.directus.provision(COLLECTION, tokens, **kwargs)  # type: ignore[arg-type]
        self.outputs.append(result.stdout + result.stderr)
        return result

    def status(
        self, token: str, method: str = "GET", path: str = f"/items/{COLLECTION}", **kw: object
    ) -> int:
        with self.directus.client(token) as client:
            return client.request(method, path, **kw).status_code  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def cms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cms]:
    workdir = tmp_path_factory.mktemp("provision")
    directus = Directus(workdir / "directus", make_pki(workdir / "pki"))
    try:
        directus.bootstrap()
        directus.start()
        yield Cms(directus)
    finally:
        directus.stop()


def changes(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    lines = [line.removeprefix("bff provision-cms: ") for line in result.stdout.splitlines()]
    assert lines[-1].startswith(f"{COLLECTION} provisioned ("), lines
    return lines[:-1]


def test_an_empty_cms_gets_the_collection_roles_and_users(cms: Cms) -> None:
    assert changes(cms.provision(cms.tokens)) == [
        f"created collection {COLLECTION}",
        f"created field {COLLECTION}.version",
        f"created field {COLLECTION}.data",
        f"created policy {READER}",
        f"granted read on {COLLECTION} to policy {READER}",
        f"created role {READER}",
        f"created policy {WRITER}",
        f"granted read on {COLLECTION} to policy {WRITER}",
        f"granted create on {COLLECTION} to policy {WRITER}",
        f"granted update on {COLLECTION} to policy {WRITER}",
        f"created role {WRITER}",
        f"created user {READER}-1",  # version 1: slot 1
        f"created user {WRITER}",
    ]
    item = {"name": "maps-api-key", "version": 1, "data": {"api-key": "spcanary-provision-item"}}
    reader, writer = cms.tokens.reader, cms.tokens.writer
    assert cms.status(writer, "POST", json=item) == 200, "the writer creates"
    assert cms.status(writer, "PATCH", f"/items/{COLLECTION}/maps-api-key", json={"version": 2}) == 200
    assert cms.status(reader) == 200, "the BFF reads"
    assert cms.status(reader, "POST", json={**item, "name": "other"}) == 403, "the BFF never writes"
    assert cms.status(writer, "DELETE", f"/items/{COLLECTION}/maps-api-key") == 403, "nobody deletes"
    for token in (reader, writer):
        assert cms.status(token, "GET", "/users") == 403
        assert cms.status(token, "GET", "/policies") == 403
        assert cms.status(token, "POST", "/collections", json={"collection": "x"}) == 403


def test_the_collection_keeps_activity_but_no_old_values(cms: Cms) -> None:
    with cms.directus.admin() as admin:
        activity = admin.get("/activity", params={"filter[collection][_eq]": COLLECTION}).json()["data"]
        revisions = admin.get("/revisions", params={"filter[collection][_eq]": COLLECTION}).json()["data"]
    assert {(a["action"], a["item"]) for a in activity} >= {
        ("create", "maps-api-key"),
        ("update", "maps-api-key"),
    }
    assert revisions == [], "no revision keeps a value the CMS no longer serves"


def test_a_second_run_changes_nothing(cms: Cms) -> None:
    assert changes(cms.provision(cms.tokens)) == []
    assert cms.directus.get(COLLECTION, "maps-api-key") is not None


def test_a_rotated_read_token_works_beside_the_previous_one_then_replaces_it(cms: Cms) -> None:
    v1 = cms.tokens
    v2 = cms.new_tokens(writer=v1.writer)
    assert changes(cms.provision(v2, read_token_version=2)) == [f"created user {READER}-0"]
    assert (cms.status(v1.reader), cms.status(v2.reader)) == (200, 200), "the BFF's pods roll without a gap"
    # A bump without a new value: the token is already the other slot's, nothing changes.
    assert changes(cms.provision(v2, read_token_version=3)) == []
    v3 = cms.new_tokens(writer=v1.writer)
    assert changes(cms.provision(v3, read_token_version=3)) == [f"set the token of user {READER}-1"]
    assert cms.status(v1.reader) == 401, "the token two versions back is revoked"
    assert (cms.status(v2.reader), cms.status(v3.reader)) == (200, 200)
    cms.tokens = v3


def test_a_rotated_writer_token_replaces_the_old_one(cms: Cms) -> None:
    old = cms.tokens
    new = cms.new_tokens()
    new = Tokens(reader=old.reader, writer=new.writer)
    assert changes(cms.provision(new, read_token_version=3)) == [f"set the token of user {WRITER}"]
    assert (cms.status(old.writer), cms.status(new.writer)) == (401, 200)
    cms.tokens = new


def test_grants_added_by_hand_are_removed_and_data_stays(cms: Cms) -> None:
    with cms.directus.admin() as admin:
        (policy,) = admin.get("/policies", params={"filter[name][_eq]": WRITER}).json()["data"]
        admin.post(
            "/permissions",
            json={"policy": policy["id"], "collection": COLLECTION, "action": "delete", "fields": ["*"]},
        ).raise_for_status()
        admin.post(
            "/permissions",
            json={"policy": policy["id"], "collection": "directus_users", "action": "read", "fields": ["*"]},
        ).raise_for_status()
        admin.patch(f"/policies/{policy['id']}", json={"app_access": True}).raise_for_status()
    assert cms.status(cms.tokens.writer, "GET", "/users") == 200, "the drift is real"
    before = cms.directus.get(COLLECTION, "maps-api-key")
    assert sorted(changes(cms.provision(cms.tokens, read_token_version=3))) == sorted(
        [
            f"removed app and admin access from policy {WRITER}",
            f"removed delete on {COLLECTION} from policy {WRITER}",
            f"removed read on directus_users from policy {WRITER}",
        ]
    )
    assert cms.status(cms.tokens.writer, "GET", "/users") == 403
    assert cms.status(cms.tokens.writer, "DELETE", f"/items/{COLLECTION}/maps-api-key") == 403
    assert cms.directus.get(COLLECTION, "maps-api-key") == before, "no item is touched"


def test_the_administrator_password_rotates_with_the_previous_one_mounted(cms: Cms) -> None:
    old, new = cms.directus.admin_password, secrets.token_urlsafe(24)
    cms.planted.append(new)
    refused = cms.provision(cms.tokens, read_token_version=3, admin_password=new)
    assert refused.returncode == 1
    assert "refused the administrator's login with the current password:" in refused.stderr
    rotated = cms.provision(cms.tokens, read_token_version=3, admin_password=new, previous_admin_password=old)
    assert changes(rotated) == ["set the administrator's password to the current version"]
    cms.directus.admin_password = new
    with cms.directus.client() as client:
        email = "admin@example.com"
        assert client.post("/auth/login", json={"email": email, "password": old}).status_code == 401
        assert client.post("/auth/login", json={"email": email, "password": new}).status_code == 200
    # The next run (same versions) logs in with the current password and changes nothing.
    assert changes(cms.provision(cms.tokens, read_token_version=3, previous_admin_password=old)) == []


def test_bad_usage_is_exit_2_with_one_line_per_problem(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "CMS_URL": "http://cms",
        "CMS_READ_TOKEN_VERSION": "0",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bff", "provision-cms"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "bff provision-cms: --cms-ca-file is required",
        "bff provision-cms: --admin-email is required",
        "bff provision-cms: --admin-password-file is required",
        "bff provision-cms: --read-token-file is required",
        "bff provision-cms: --writer-token-file is required",
        "bff provision-cms: --cms-url must be an https:// URL",
        "bff provision-cms: --read-token-version must be 1 or more",
    ]
    with pytest.raises(SystemExit):
        parse_request(["--admin-password", "hunter2"]), "a password is never an argument"
    with pytest.raises(ProvisionError, match="--admin-email must be an e-mail address"):
        parse_request(
            [
                *("--cms-url", "https://cms", "--cms-ca-file", "ca", "--admin-email", "nobody"),
                *("--admin-password-file", "p", "--read-token-file", "r", "--read-token-version", "1"),
                *("--writer-token-file", "w"),
            ]
        )


def test_no_password_or_token_appears_in_any_output(cms: Cms) -> None:
    """Last: every run of this module, Directus's request log (URLs) and the provisioner's log."""
    haystacks = {
        "provisioner output": "\n".join(cms.outputs),
        "directus request log": "\n".join(cms.directus.requests()),
    }
    assert len(cms.outputs) >= 10 and "provisioned" in haystacks["provisioner output"]
    for where, text in haystacks.items():
        for secret in cms.planted:
            raw = secret.encode()
            for form in (secret, raw.hex(), base64.b64encode(raw).decode().rstrip("=")):
                assert form not in text and form.upper() not in text.upper(), f"a secret appears in {where}"
