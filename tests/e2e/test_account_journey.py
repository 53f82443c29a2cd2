"""A person signs up, turns on two-step sign-in, logs out, logs back in with password and
code, and opens the help page — all through the real pages in a real browser."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def totp_now(secret: str) -> str:
    """The current code, taken early enough in its 30 s period that it is still valid when
    the form arrives (the server accepts the current period only)."""
    deadline = time.monotonic() + 10
    while time.time() % 30 > 25 and time.monotonic() < deadline:
        time.sleep(0.2)  # waiting for the clock, not for the app
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_signup_turn_on_mfa_log_out_and_back_in_then_get_help(
    live_server, page, screenshot_dir
) -> None:
    base = live_server.url

    # Sign up through the web form.
    page.goto(f"{base}/accounts/signup/")
    page.get_by_label("Username").fill("harbour_walker")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Year you were born").fill("1994")
    page.get_by_label("I accept the terms of use and the privacy notice").check()
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_role("heading", name="Welcome back, harbour_walker.").wait_for()

    # Turn on the authenticator app from the settings page.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name=re.compile("Two-step sign-in")).first.click()
    page.get_by_role("link", name="Activate").first.click()
    # allauth asks for the password again before a security change (a signup is not a login).
    page.wait_for_url(re.compile(r"/accounts/(reauthenticate|2fa/totp/activate)/"))
    if "/reauthenticate/" in page.url:
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/"))
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{16,}=*", secret), secret
    page.get_by_label("Authenticator code").fill(totp_now(secret))
    page.get_by_role("button", name="Activate").click()
    # allauth shows the new recovery codes straight away; keep them on screen, then go on.
    page.get_by_role("heading", name="Recovery Codes").wait_for()
    assert page.get_by_label("Unused codes").input_value().strip()
    page.screenshot(path=str(screenshot_dir / "recovery-codes-1280.png"), full_page=True)
    page.goto(f"{base}/accounts/2fa/")
    page.get_by_text("Authentication using an authenticator app is active.").wait_for()

    # Log out from the header.
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("heading", name="You are not alone here.").wait_for()

    # Log back in: password first, then the code from the authenticator.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("harbour_walker")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="Two-Factor Authentication").wait_for()
    page.screenshot(path=str(screenshot_dir / "mfa-authenticate-1280.png"), full_page=True)
    page.get_by_label("Code", exact=True).fill(totp_now(secret))
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="Welcome back, harbour_walker.").wait_for()

    # The help page, from the link on every page.
    page.get_by_role("link", name="Get help now").click()
    page.get_by_role("heading", name="Get help now", level=1).wait_for()
    page.get_by_role("combobox", name="Show crisis lines for").select_option("GB")
    page.get_by_role("button", name="Show", exact=True).click()
    assert page.get_by_role("heading", name="Samaritans", exact=True).is_visible()
    assert page.get_by_role("link", name="116 123").is_visible()
    assert page.get_by_role("heading", name="Talk to someone here").is_visible()
    assert page.get_by_role("heading", name="A grounding exercise: 5-4-3-2-1").is_visible()
    assert page.console_errors == []
