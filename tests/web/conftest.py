"""A real headless browser for the page tests: Debian's Chromium, driven by playwright.

Nothing is installed at run time (never ``playwright install``): the tests use the Chromium
that ``.ci/run`` installs with apt, and skip, saying why, on a machine without it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.api.conftest import client, serve, server_url
from tests.conftest import CORPUS_DIR
from tutor.api import create_app
from tutor.config import Settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = ["OwnServer", "browser", "client", "open_page", "own_server", "page", "server_url"]

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
def open_page(browser: Browser) -> Iterator[Callable[[str], Page]]:
    """Opens the page at a URL in a fresh browser context (its own localStorage); a script
    error or a console error in any tab it opened fails the test."""
    problems: list[str] = []
    contexts = []

    def open_at(url: str) -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 860}, base_url=url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        tab = context.new_page()
        tab.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        tab.on(
            "console",
            lambda message: (
                problems.append(f"console error: {message.text}")
                if message.type == "error"
                and not message.text.startswith("Failed to load resource")
                else None
            ),  # an HTTP error status is logged too; the tests check what the page shows
        )
        tab.goto(url)
        return tab

    yield open_at
    for context in contexts:
        context.close()
    assert not problems, problems


@pytest.fixture
def page(open_page: Callable[[str], Page], server_url: str) -> Page:
    """A fresh tab on the chat page of the shared server; a script error fails the test."""
    return open_page(server_url)


@dataclass(frozen=True)
class OwnServer:
    url: str
    settings: Settings  # open its database with ``tutor.store.open_database(settings)``


@pytest.fixture
def own_server(indexed_data_dir: Path, tmp_path: Path) -> Iterator[OwnServer]:
    """A server of the test's own, on a fresh database: a new local learner, and keys may be
    issued (never issue them on the shared ``server_url``: it must stay in local mode)."""
    settings = Settings(  # type: ignore[call-arg]
        data_dir=indexed_data_dir,
        corpus_dir=CORPUS_DIR,
        database_url=f"sqlite:///{tmp_path / 'tutor.db'}",
        _env_file=None,
    )
    with serve(create_app(settings)) as url:
        yield OwnServer(url, settings)
