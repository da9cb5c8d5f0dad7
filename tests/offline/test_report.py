"""`secrets-platform report` seen as a person sees it: the dev stack's audit page, with a dated git
history built in the test, opened in headless Chromium; a screenshot is kept as `out/report-dev.png`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline import exits
from offline.cli import main
from offline.leaks import LeakScanner
from offline.passphrase import decrypt, key_from_salt_state
from tests.conftest import ROOT
from tests.offline._browser import chromium
from tests.offline._gitrepo import make_repo

AS_OF = "2026-02-10"
SCREENSHOT = ROOT / "out" / "report-dev.png"


def _dev_example_values() -> list[str]:
    """The dev stack's example secret values (decrypted with its documented example passphrase)."""
    doc = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    key = key_from_salt_state("dev-only-example-passphrase", doc["encryptionsalt"])
    return [
        decrypt(key, v["secure"])
        for v in doc["config"].values()
        if isinstance(v, dict) and set(v) == {"secure"}
    ]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    base = tmp_path_factory.mktemp("report")
    repo = make_repo(base / "repo", full=True, first=datetime(2025, 12, 1, 9, 0, tzinfo=UTC))
    repo.bump("payments-db")
    repo.bump("bff-cache-key")
    repo.commit(
        "Rotate the payments database password and the BFF cache key", datetime(2026, 1, 20, tzinfo=UTC)
    )
    out = base / "audit"
    code = main(["report", "-C", str(repo.path), "-s", "dev", "--out", str(out), "--as-of", AS_OF])
    assert code == exits.OK
    return out, json.loads((out / "report.json").read_text())


def test_the_json_is_the_envelope_with_every_section_filled(report: tuple[Path, dict[str, Any]]) -> None:
    _, doc = report
    assert (doc["format"], doc["version"], doc["stack"]) == ("secrets-platform/report", 1, "dev")
    assert len(doc["inventory"]) == 12 and all(r["declared"] for r in doc["inventory"] if r["store"] is None)
    layers = {r["layer"] for r in doc["access"]}
    assert layers == {"kubernetes", "secrets-manager", "hashicorp-vault", "cms"}
    states = {r["secret"]: r["state"] for r in doc["rotation"]["secrets"]}
    assert (states["orders-webhook-key"], states["payments-db"], states["cms-admin"], states["orders-queue"]) == (
        "overdue", "due", "ok", "unknown",
    )  # fmt: skip
    assert doc["policies"]["summary"]["mandatory"] == 0 and len(doc["policies"]["policies"]) > 40


def test_no_secret_reaches_the_report(report: tuple[Path, dict[str, Any]]) -> None:
    out, _ = report
    text = (out / "index.html").read_text() + (out / "report.json").read_text()
    values = _dev_example_values()
    assert len(values) == 5
    assert not LeakScanner(values).found_in(text), "neither a placeholder canary nor a real value"


def test_the_page_renders_every_section_as_a_person_sees_it(
    report: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out, doc = report
    requests: list[str] = []
    with chromium(tmp_path) as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("request", lambda r: requests.append(r.url))
        page.goto((out / "index.html").as_uri())
        assert page.title() == "Secrets audit: stack dev"
        for name in ("Inventory of secrets", "Access graph", "Rotation", "Policy results"):
            assert page.get_by_role("heading", name=name, exact=True).is_visible(), name

        inventory = page.get_by_role("table", name="Inventory of secrets")
        rows = inventory.locator("tbody tr")
        assert rows.count() == 12
        assert (
            "orders-queue" in rows.nth(3).inner_text()
            and "secrets-manager secrets-dev/orders-queue" in rows.nth(3).inner_text()
        )

        graph = page.get_by_role("img", name="Access graph", exact=False)
        assert graph.is_visible() and graph.bounding_box()["height"] > 200
        access = page.get_by_role("table", name="Access grants").locator("tbody tr")
        assert access.count() == len(doc["access"])
        texts = access.all_inner_texts()
        assert any(
            "IAM role secrets-store-identity-orders-api-role" in t and "orders/orders-api-secret-sync" in t
            for t in texts
        )
        assert any("Vault role secrets-dev-orders-api-vault-sync" in t for t in texts)
        assert any("app" in t and "shopper-ios" in t and "BFF" in t for t in texts)

        rotation = page.get_by_role("table", name="Rotation").locator("tbody tr")
        assert rotation.count() == 12
        first = rotation.nth(0).inner_text()
        assert first.startswith("orders-webhook-key") and "OVERDUE" in first, (
            "overdue first, shown in capitals"
        )
        due = page.get_by_role("table", name="Rotation").locator("tr", has_text="payments-db")
        assert "DUE" in due.inner_text() and "2026-02-19" in due.inner_text()
        assert due.locator(".state").evaluate("e => getComputedStyle(e).color") == "rgb(154, 100, 0)"

        violations = page.get_by_role("table", name="Violations").locator("tbody tr")
        # dev: short deletion and recovery windows (4), images by tag (5), a Secret as env (1)
        assert violations.count() == doc["policies"]["summary"]["advisory"] == 10
        assert "ADVISORY" in violations.nth(0).inner_text()
        evaluated = page.get_by_role("table", name="Policies evaluated").locator("tbody tr")
        assert evaluated.count() == len(doc["policies"]["policies"])

        cards = page.locator(".card").all_inner_texts()
        assert cards[0].split() == ["12", "secrets", "in", "the", "catalogue"]
        assert "1\noverdue for rotation" in cards

        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert requests == [(out / "index.html").as_uri()], "the page fetches nothing when it is viewed"
    assert SCREENSHOT.stat().st_size > 50_000


def test_a_missing_out_folder_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["report", "-C", str(ROOT), "-s", "dev", "--out", str(tmp_path / "no" / "such")])
    assert code == exits.BAD_INPUT and capsys.readouterr().err.count("\n") == 1


def test_a_failed_check_is_one_line_without_what_the_policy_quoted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A policy that raises may quote what it read (a placeholder); the report says so masked."""
    from offline.check import PackError
    from offline.report import data

    canary = "spcanary-dev-1-0a1b2c3d"

    def failing(*_: Any, **__: Any) -> Any:
        raise PackError(f"the policy pack failed: ValueError: unexpected value {canary}")

    monkeypatch.setattr(data, "run_check", failing)
    code = main(["report", "-C", str(ROOT), "-s", "dev", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == exits.PLAN_FAILED and err.count("\n") == 1 and "the policy pack failed" in err
    assert not LeakScanner().found_in(err)
