"""A moderator opens the queue page, reads a held post's evidence and approves it; the post
is then published for other members — through the real pages in a real browser."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.e2e.conftest import sign_in_as

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_moderator_approves_a_held_post_from_the_queue_page(
    live_server: Any, page: Any, make_user: Any, screenshot_dir: Any, settings: Any
) -> None:
    from alongside.accounts.selectors import actor_for_user
    from alongside.communities.access import place_for
    from alongside.communities.models import Status, Thread
    from alongside.communities.services import community_create, thread_create

    settings.STAFF_MFA_REQUIRED = False
    base = live_server.url
    community = community_create(slug="evening", name="Evening circle")
    newcomer = make_user("newcomer")
    actor = actor_for_user(newcomer)
    written = thread_create(
        actor=actor,
        place=place_for(actor, community),
        title="Anyone up?",
        body="Rough evening. Add me on Telegram and we can talk there.",
    )
    assert written.thread.status == Status.HELD
    moderator = make_user("evening_mod", roles=["moderator"])

    sign_in_as(page, base, moderator)
    page.goto(f"{base}/mod/queue/")
    page.get_by_role("heading", name="Moderation queue", level=1).wait_for()
    page.get_by_role("link", name="Post in “Anyone up?”").click()
    page.get_by_role("heading", name="Review a post", level=1).wait_for()
    evidence = page.locator("section[aria-labelledby=evidence-title]").inner_text()
    assert "off_platform_contact" in evidence and "add me on telegram" in evidence.lower()
    page.get_by_role("button", name="Claim this item").click()
    page.get_by_text("You are reviewing this item.").wait_for()
    page.get_by_label("Action").select_option("approve")
    page.screenshot(path=str(screenshot_dir / "moderation-item-1280.png"), full_page=True)
    page.get_by_role("button", name="Do it").click()
    page.get_by_role("heading", name="Moderation queue", level=1).wait_for()
    page.get_by_text("Nothing waiting right now.").wait_for()

    assert Thread.objects.get(pk=written.thread.pk).status == Status.VISIBLE
    reader = Client()
    reader.force_login(make_user("reader"))
    assert reader.get(f"/t/{written.thread.pk}/").status_code == 200
    assert page.console_errors == []  # type: ignore[attr-defined]
