"""`secrets-platform rotation` on a dev stack with a dated history built in the test."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from offline import exits
from offline.catalogue import load_catalogue
from offline.cli import main
from offline.rotation_status import parse_as_of, rotation_report
from tests.offline._gitrepo import Repo, make_repo

D0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
D1 = datetime(2026, 2, 20, 16, 30, tzinfo=UTC)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = make_repo(tmp_path, first=D0)
    repo.bump("payments-provider")
    repo.commit("Rotate the card processor key", D1)
    return repo


def _rows(repo: Repo, as_of: str, within: int = 14) -> dict[str, dict]:
    report = rotation_report(load_catalogue(repo.path, "dev"), as_of=parse_as_of(as_of), within_days=within)
    return {r.secret: r.to_json() for r in report.rows}


def test_each_version_is_dated_by_the_commit_that_started_it(repo: Repo) -> None:
    rows = _rows(repo, "2026-03-01")
    assert rows["payments-provider"]["version"] == 2
    assert rows["payments-provider"]["since"] == D1.isoformat()
    assert rows["payments-provider"]["subject"] == "Rotate the card processor key"
    assert rows["payments-db"]["since"] == D0.isoformat(), "first appearance when the version never changed"
    assert {r["sinceFrom"] for name, r in rows.items() if name != "orders-queue"} == {"git"}


def test_states_overdue_due_and_ok_with_exact_dates(repo: Repo) -> None:
    rows = _rows(repo, "2026-03-01")
    db = rows["payments-db"]  # generated, 30 days, since 2026-01-05
    assert (db["due"], db["daysLeft"], db["state"]) == ("2026-02-04", -25, "overdue")
    provider = rows["payments-provider"]  # literal, 90 days, since 2026-02-20
    assert (provider["due"], provider["daysLeft"], provider["state"]) == ("2026-05-21", 81, "ok")
    tls = rows["bff-tls"]  # literal, 90 days, since 2026-01-05: due 2026-04-05, 35 days later
    assert (tls["due"], tls["daysLeft"], tls["state"]) == ("2026-04-05", 35, "ok")
    assert _rows(repo, "2026-03-01", within=35)["bff-tls"]["state"] == "due"
    assert _rows(repo, "2026-03-01", within=34)["bff-tls"]["state"] == "ok"
    assert _rows(repo, "2026-02-04")["payments-db"]["state"] == "due", "the due day itself is not overdue"
    assert _rows(repo, "2026-02-05")["payments-db"]["state"] == "overdue"


def test_a_store_rotated_secret_is_unknown_without_the_store(repo: Repo) -> None:
    queue = _rows(repo, "2026-03-01")["orders-queue"]
    assert queue["state"] == "unknown" and queue["since"] is None
    assert "rotates it every 30 days" in queue["note"] and "--stores" in queue["note"]


def test_the_merge_date_counts_not_the_branch_commit(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "rotate-db")
    repo.bump("payments-db")
    repo.commit("Rotate the payments database password", datetime(2026, 2, 22, tzinfo=UTC))
    repo.git("checkout", "-q", "main")
    repo.bump("cms-admin")
    repo.commit("Rotate the CMS admin", datetime(2026, 2, 25, tzinfo=UTC))
    merged = datetime(2026, 2, 27, 9, 0, tzinfo=UTC)
    repo.git("merge", "-q", "--no-ff", "-m", "Merge rotate-db", "rotate-db", when=merged)
    rows = _rows(repo, "2026-03-01")
    assert rows["payments-db"]["version"] == 2
    assert rows["payments-db"]["since"] == merged.isoformat(), "deployed when it reached main"
    assert rows["cms-admin"]["since"] == datetime(2026, 2, 25, tzinfo=UTC).isoformat()


def test_an_uncommitted_bump_is_pending_not_rotated(repo: Repo) -> None:
    repo.bump("bff-tls")
    tls = _rows(repo, "2026-03-01")["bff-tls"]
    assert (tls["state"], tls["version"], tls["since"]) == ("pending", 2, None)
    assert "not committed" in tls["note"]


def test_an_entry_removed_then_added_again_starts_afresh(repo: Repo) -> None:
    text = repo.stack_file().read_text()
    start = text.index("    - name: maps-api-key")
    end = text.index("    - name: bff-cms-token")
    repo.stack_file().write_text(text[:start] + text[end:])
    repo.commit("Drop the maps key", datetime(2026, 2, 21, tzinfo=UTC))
    repo.stack_file().write_text(text)
    back = datetime(2026, 2, 23, tzinfo=UTC)
    repo.commit("Bring the maps key back", back)
    assert _rows(repo, "2026-03-01")["maps-api-key"]["since"] == back.isoformat()


def test_the_command_exits_3_when_anything_is_overdue_and_prints_the_envelope(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["rotation", "-s", "dev", "-C", str(repo.path), "--as-of", "2026-03-01", "--json"])
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert code == exits.OVERDUE == 3
    assert doc["format"] == "secrets-platform/rotation" and doc["version"] == 1 and doc["stack"] == "dev"
    assert doc["summary"]["overdue"] == 3  # the 30-day ones since 2026-01-05
    assert sorted(r["secret"] for r in doc["secrets"] if r["state"] == "overdue") == [
        "bff-cache-key",
        "orders-webhook-key",
        "payments-db",
    ]
    assert all(
        set(r) >= {"secret", "periodDays", "daysLeft", "sinceFrom", "previousLive"} for r in doc["secrets"]
    )


def test_nothing_overdue_exits_0_and_the_table_lists_what_needs_action_first(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["rotation", "-s", "dev", "-C", str(repo.path), "--as-of", "2026-01-20", "--color", "never"])
    out = capsys.readouterr().out
    assert code == exits.OK
    lines = out.splitlines()
    assert lines[0].startswith("Rotation of stack dev as of 2026-01-20")
    table = lines[2:14]
    assert table[0].startswith("payments-provider") is False
    states = [line.split()[-2] for line in table if line.split()[-2] in ("due", "ok", "unknown", "pending")]
    assert states == sorted(states, key=["due", "pending", "unknown", "ok"].index), states


def test_a_repository_without_commits_has_every_version_pending(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)  # files copied, repository initialised, nothing committed
    rows = _rows(repo, "2026-03-01")
    assert {r["state"] for name, r in rows.items() if name != "orders-queue"} == {"pending"}


def test_no_repository_at_all_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        (tmp_path / name).write_text((Path(__file__).resolve().parents[2] / name).read_text())
    code = main(["rotation", "-s", "dev", "-C", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == exits.BAD_INPUT and err.startswith("error: Pulumi.dev.yaml: git") and err.count("\n") == 1


def test_a_bad_as_of_is_a_usage_error(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rotation", "-s", "dev", "-C", str(repo.path), "--as-of", "yesterday"]) == exits.USAGE
    assert "expected a date" in capsys.readouterr().err
