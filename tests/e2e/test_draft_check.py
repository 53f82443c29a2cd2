"""The composer's draft check in a real browser: typing a distressing draft brings a gentle,
dismissible offer of support above the buttons (a polite live region, focus stays in the
text), a calm draft brings none, and posting still works — then the thread page shows the
support panel with the writer's local lines. No CSP violations, no console errors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_communities_journey import audit, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

#: Minimal and respectful: despair without any method. `high` for the interim and real engine.
DISTRESS = "I just want to die. I can't keep going like this."
CALM = "We made lentil soup together at the meetup and it was lovely."
OFFER = "It sounds like you're carrying a lot right now."


def _assessed(page: Any) -> Any:
    return page.expect_response(
        lambda r: r.url.endswith("/api/v1/safety/assess") and r.request.method == "POST"
    )


def test_a_distressing_draft_gets_an_offer_and_posting_still_works(
    live_server: Any, page: Any, make_user: Any, screenshot_dir: Any
) -> None:
    from alongside.communities.services import community_create

    community_create(slug="hard-days", name="Hard days", description="For the heavy ones.")
    make_user("draft_writer", country="GB")
    base = live_server.url
    sign_in(page, base, "draft_writer")

    # A calm draft: the check runs, and nothing appears.
    page.goto(f"{base}/c/hard-days/new/")
    region = page.locator("[data-draft-offer]")
    assert region.get_attribute("aria-live") == "polite"
    page.get_by_label("Title").fill("Soup")
    with _assessed(page) as calm:
        page.get_by_label("What would you like to share?").fill(CALM)
    assert calm.value.json()["level"] == "none"
    assert region.inner_text().strip() == ""

    # A distressing draft: the offer appears in the live region, without taking focus.
    page.goto(f"{base}/c/hard-days/new/")
    page.get_by_label("Title").fill("Tonight")
    body = page.get_by_label("What would you like to share?")
    with _assessed(page) as answer:
        body.fill(DISTRESS)
    assert answer.value.json()["level"] in ("high", "imminent")
    region.get_by_text(OFFER).wait_for()
    offer = region.locator(".draft-offer")
    assert offer.get_by_role("link", name="Crisis lines you can call or text").is_visible()
    assert offer.get_by_role("link", name="A grounding exercise").is_visible()
    assert offer.locator('a[href="tel:116123"]').is_visible()  # Samaritans, for the UK
    assert offer.locator('a[href="tel:999"]').is_visible()  # urgent: the emergency number
    assert page.evaluate("document.activeElement.name") == "body"
    audit(page)
    page.screenshot(path=str(screenshot_dir / "draft-check-offer-1280.png"), full_page=True)

    # "Not now" puts it away and returns to the writing; it does not come back for the same
    # level while the person keeps writing.
    offer.get_by_role("button", name="Not now").click()
    assert region.inner_text().strip() == ""
    assert page.evaluate("document.activeElement.name") == "body"
    with _assessed(page):
        body.press("End")
        body.type(" Still here.")
    assert region.inner_text().strip() == ""

    # The offer never blocks: the post goes through, and the panel follows.
    page.get_by_role("button", name="Post thread").click()
    page.get_by_role("heading", name="Tonight", level=1).wait_for()
    panel = page.locator("#support")
    assert panel.is_visible()
    assert panel.locator('a[href="tel:116123"]').first.is_visible()
    assert panel.get_by_role("link", name="Grounding exercises").is_visible()
    audit(page)
    page.screenshot(path=str(screenshot_dir / "support-panel-1280.png"), full_page=True)
    assert page.console_errors == []  # type: ignore[attr-defined]
