"""A real server in a subprocess and the system Chromium, for the browser journeys."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from tests.live_server import running_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing(reason: str) -> None:
    # CI installs Chromium, so a missing browser there is a broken pipeline, not a skip.
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so browser tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[str]:
    """`crm init --fixtures fixtures/demo`, then `crm serve` on a free port; stopped at the end."""
    with running_server(tmp_path_factory.mktemp("e2e-data")) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()
