"""A real headless browser for the page tests: Debian's Chromium, driven by playwright.

Nothing is installed at run time (never ``playwright install``): the tests use the Chromium
that ``.ci/run`` installs with apt, and skip, saying why, on a machine without it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.api.conftest import server_url

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = ["browser", "page", "server_url"]

CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path("/tmp/tutor-web")  # for a person to look at; nothing reads them back


@pytest.fixture(scope="module")  # not longer: while it runs, asyncio thinks a loop is running
def browser() -> Iterator[Browser]:
    pytest.importorskip(
        "playwright", reason="playwright is not installed (pip install -e '.[dev]')"
    )
    if not CHROMIUM.is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, server_url: str) -> Iterator[Page]:
    """A fresh tab on the chat page; a script error or a failed request fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, base_url=server_url)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    tab.on(
        "console",
        lambda message: (
            problems.append(f"console error: {message.text}")
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),  # an HTTP error status is logged too; the tests check what the page shows
    )
    tab.goto("/")
    yield tab
    context.close()
    assert not problems, problems
