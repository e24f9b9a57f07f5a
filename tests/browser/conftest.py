"""Playwright for Python on Debian's Chromium against the live server.

The browser journeys skip with a clear message where Chromium is missing, except in CI
(REQUIRE_BROWSER_TESTS=1), where a missing browser is a failure. Never `playwright install`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import ensure_reference_data

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# Playwright's sync API runs an event loop in this thread; the ORM calls in the test body are
# synchronous and safe, so let Django allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"Chromium ontbreekt op {CHROMIUM}: installeer Debian's pakket 'chromium' (apt-get install chromium)."
        if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    # A Content-Security-Policy violation or a script error is a bug, even if the journey passed.
    assert not errors, errors


@pytest.fixture
def demo(transactional_db):
    from apps.submissions.demo import load_demo

    ensure_reference_data()
    load_demo()


def login(page, email: str, password: str = "mensenhandel-demo") -> None:
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Aanmelden").click()
