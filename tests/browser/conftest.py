"""Browser tests: the real service in a subprocess, driven by the system Chromium.

Chromium comes from Debian's `chromium` package (`.ci/run` installs it when missing).
Without it these tests FAIL with instructions: a missing browser must never look like a
passing suite.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import running_server
from tests.http import PHONE

CHROMIUM = os.environ.get("MUSTER_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def live_server(database_url: str, tmp_path: Path) -> Iterator[str]:
    """`muster serve` on a free loopback port against the test's database."""
    # It serves on 127.0.0.1 only, and prints the console's cards for that address.
    with running_server(database_url, tmp_path, MUSTER_ALLOW_LOCAL_LINKS="true") as base:
        yield base


@pytest.fixture
def browser() -> Iterator[Any]:
    # Per test, not per session: Playwright's sync API keeps an event loop running in the
    # main thread while it is open, and the async tests that follow need that thread free.
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(
            f"No Chromium at {CHROMIUM}: browser tests cannot run. Install Debian's chromium "
            "package (apt-get install chromium) or set MUSTER_TEST_CHROMIUM to its path."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A fresh phone-sized browser context with no cookies."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context
    finally:
        context.close()
