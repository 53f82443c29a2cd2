"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's
live server. Skipped, with a clear reason, when Chromium is not installed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("ALONGSIDE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: Collects Content-Security-Policy violations (the event fires even for blocked inline code).
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def sign_in_as(page: Any, base: str, user: Any) -> None:
    """Give the browser a session for ``user`` (signed in by Django's test client), without
    going through the login form; the account journeys test the form itself."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One browser per module: Playwright's sync API keeps an event loop running in this
    thread while it is open, which would break later tests that call ``asyncio.run``."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.add_init_script(CSP_RECORDER)
    page = context.new_page()
    page.console_errors = []  # type: ignore[attr-defined]

    def on_console(message: Any) -> None:
        # pytest-django's live server speaks HTTP only, so the notification socket's
        # handshake fails there (the browser logs it; the page carries on and retries).
        # Sockets are tested through ASGI in tests/core and with a routed socket in
        # test_notifications_live.py.
        if message.type == "error" and not message.text.startswith("WebSocket connection to"):
            page.console_errors.append(message.text)  # type: ignore[attr-defined]

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))  # type: ignore[attr-defined]
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """Where browser tests leave screenshots for a human to look at."""
    out = Path(os.environ.get("ALONGSIDE_SCREENSHOTS", "/tmp/alongside-screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="module", autouse=True)
def _allow_sync_orm_beside_playwright() -> Iterator[None]:
    # Playwright's sync API runs an event loop in this thread; the Django ORM calls the tests
    # make (creating a user, flushing the database) are still plain synchronous code.
    # Scoped to these modules only, so the rest of the suite keeps Django's safety check.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(autouse=True)
def _e2e_marker(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("e2e") is None:
        raise pytest.UsageError("tests in tests/e2e must be marked @pytest.mark.e2e")
