"""The headless Chromium the report tests look through, as a person would see the page.

The browser is the one the npm package `@sparticuz/chromium` ships (pinned in
`tests/browser/package-lock.json`), unpacked by `make chromium` into `CHROMIUM_HOME` (by default the
user cache); Playwright drives it with `executable_path`, so Playwright downloads nothing. It runs
headless with no sandbox (tests run as root on CI machines), no GPU, and none of the background
services that would try to reach the network.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from tests.conftest import ROOT

ARGS = [
    "--no-sandbox",
    "--no-zygote",
    "--single-process",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-domain-reliability",
    "--no-first-run",
    "--no-pings",
]


def chromium_home() -> Path:
    version = json.loads((ROOT / "tests" / "browser" / "package.json").read_text())["dependencies"][
        "@sparticuz/chromium"
    ]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "secrets-platform"
    return Path(os.environ.get("CHROMIUM_HOME") or cache / f"chromium-{version}")


@contextmanager
def chromium(scratch: Path) -> Iterator[Browser]:
    home = chromium_home()
    if not (home / ".unpacked").is_file():
        raise RuntimeError(
            f"no headless Chromium in {home}: `make chromium` (part of `make test`) unpacks it"
        )
    fonts = scratch / "fontconfig"
    fonts.mkdir(parents=True, exist_ok=True)
    (fonts / "fonts.conf").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f"  <dir>{home / 'fonts' / 'fonts'}</dir>\n  <cachedir>{fonts / 'cache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(scratch),
        "LD_LIBRARY_PATH": str(home / "al2023" / "lib"),
        "FONTCONFIG_PATH": str(fonts),
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(home / "chromium"), args=ARGS, env=env)
        try:
            yield browser
        finally:
            browser.close()
