"""Keyboard, CSP and small-screen checks of the shell in a real browser."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def focused(page) -> dict:
    return page.evaluate(
        "() => ({text: document.activeElement.textContent.trim(),"
        " cls: document.activeElement.className,"
        " href: document.activeElement.getAttribute('href')})"
    )


@pytest.mark.parametrize("path", ["/", "/help", "/accounts/login/"])
def test_tab_from_the_top_reaches_skip_link_then_get_help_now(live_server, page, path) -> None:
    page.goto(f"{live_server.url}{path}")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["text"] == "Skip to content"
    assert first["href"] == "#main"
    # The skip link is visible when focused (not only present for screen readers).
    box = page.locator(".skip-link").bounding_box()
    assert box is not None
    assert box["y"] >= 0
    page.keyboard.press("Tab")
    second = focused(page)
    assert second["text"] == "Get help now"
    assert second["href"] == "/help"
    # Following the skip link moves focus into the main content.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_no_csp_violations_on_public_and_member_pages(live_server, page, make_user) -> None:
    make_user("csp_checker")
    base = live_server.url
    visited = []

    def visit(path: str) -> None:
        page.goto(f"{base}{path}")
        page.wait_for_load_state("load")
        violations = page.evaluate("window.__cspViolations")
        assert violations == [], (path, violations)
        visited.append(path)

    for path in ("/", "/help", "/help?country=CN", "/accounts/login/", "/accounts/signup/"):
        visit(path)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("csp_checker")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="Welcome back, csp_checker.").wait_for()
    for path in (
        "/",
        "/settings/",
        "/safety-plan",
        "/safety-plan/edit",
        "/accounts/2fa/",
        "/accounts/2fa/totp/activate",
        "/accounts/2fa/webauthn/add",
        "/accounts/password/change/",
        "/accounts/sessions/",
    ):
        visit(path)
    assert not [e for e in page.console_errors if "Content Security Policy" in e], (
        page.console_errors
    )


@pytest.mark.parametrize("width", [320, 1280])
@pytest.mark.parametrize("path", ["/", "/help"])
def test_pages_fit_small_and_large_screens(
    live_server, browser, screenshot_dir, path, width
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}{path}?country=GB" if path == "/help" else live_server.url)
        # Nothing forces sideways scrolling, even at 320 px (WCAG 1.4.10 reflow).
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, (path, width, scroll_width)
        assert page.get_by_role("link", name="Get help now").is_visible()
        name = "home" if path == "/" else "help"
        page.screenshot(path=str(screenshot_dir / f"{name}-{width}.png"), full_page=True)
    finally:
        context.close()
