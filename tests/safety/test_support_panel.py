"""Support in the moment, end to end: posting words of distress answers with support for the
writer's place (API), and the thread page shows the panel once (pages) — crisis lines,
safety plan, grounding, a person — with nothing of the text kept in the session."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from alongside.communities.views.threads import SUPPORT_SESSION_KEY
from tests.conftest import auth

pytestmark = pytest.mark.django_db

#: The issue's Done-when example (imminent, self).
PILLS = "I've been saving my pills and I'm taking them tonight"
#: The issue's third-person example (subject other).
FRIEND = "My friend said she wants to kill herself"


@pytest.fixture
def community(db: Any) -> Any:
    from alongside.communities.services import community_create

    return community_create(slug="hard-days", name="Hard days")


def member_in(client: Client, make_member: Any, country: str) -> str:
    token = make_member()["token"]
    response = client.patch(
        "/api/v1/me", {"country": country}, content_type="application/json", **auth(token)
    )
    assert response.status_code == 200, response.content
    return token


def test_posting_the_issue_example_returns_the_writers_local_crisis_lines(
    client: Client, make_member: Any, community: Any
) -> None:
    """Issue 4, Done when: posting "I've been saving my pills and I'm taking them tonight"
    through the API: the response includes support with the writer's local crisis lines."""
    token = member_in(client, make_member, "AU")
    response = client.post(
        "/api/v1/communities/hard-days/threads",
        {"title": "Tonight", "body": PILLS},
        content_type="application/json",
        **auth(token),
    )
    assert response.status_code == 201, response.content
    support = response.json()["support"]
    assert support is not None, "the write answered without support"
    assert support["level"] == "imminent"
    assert support["urgent"] is True
    assert support["country"] == "AU"
    assert support["emergency_numbers"] == ["000"]
    ids = [line["id"] for line in support["hotlines"]]
    assert ids[0] == "au-lifeline"
    assert "au-suicide-call-back" in ids
    assert support["safety_plan"]["url"] and support["grounding"]["url"] and support["talk_url"]


def test_a_reply_about_a_friend_returns_ways_to_help_them(
    client: Client, make_member: Any, community: Any
) -> None:
    writer = member_in(client, make_member, "GB")
    thread = client.post(
        "/api/v1/communities/hard-days/threads",
        {"title": "Soup recipe", "body": "Sharing the lentil soup recipe from our meetup."},
        content_type="application/json",
        **auth(writer),
    ).json()
    assert thread["support"] is None  # nothing offered where nothing was needed
    reply = client.post(
        f"/api/v1/threads/{thread['id']}/posts",
        {"body": FRIEND},
        content_type="application/json",
        **auth(writer),
    )
    assert reply.status_code == 201, reply.content
    support = reply.json()["support"]
    assert support["subject"] == "other"
    assert support["helping_a_friend"]["steps"]
    assert support["country"] == "GB"
    assert "gb-samaritans" in [line["id"] for line in support["hotlines"]]


def _distressed(monkeypatch: pytest.MonkeyPatch, level: str, subject: str = "self") -> None:
    """Pages are tested against a fixed assessment, so they do not depend on the engine."""
    from alongside.communities import services
    from alongside.safety.detection import RiskResult
    from alongside.safety.services import Assessment
    from alongside.safety.support import support_for

    def assess(**kwargs: Any) -> Assessment:
        support = support_for(
            user_id=kwargs["actor"].user_id, result=RiskResult(level=level, subject=subject)
        )
        return Assessment(level=level, subject=subject, support=support)

    monkeypatch.setattr(services, "assess_and_record", assess)


def test_the_panel_shows_the_writers_lines_once_and_the_session_keeps_no_text(
    client: Client, make_user: Any, community: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _distressed(monkeypatch, "high")
    client.force_login(make_user(country="NZ"))
    body = "Everything feels too heavy and I keep thinking about not being here"
    response = client.post("/c/hard-days/new/", {"title": "Heavy", "body": body})
    assert response.status_code == 303
    kept = client.session[SUPPORT_SESSION_KEY]
    assert set(kept) == {"thread_id", "post_id", "level", "subject", "country", "plan_exists"}
    assert kept["country"] == "NZ" and kept["level"] == "high"
    assert body not in str(dict(client.session.items()))
    page = client.get(response["Location"]).content.decode()
    assert 'id="support"' in page
    assert "support-panel--urgent" in page
    assert 'href="tel:111"' in page  # New Zealand's emergency number
    assert 'href="tel:1737"' in page  # and its national line, to call or text
    assert 'href="sms:1737"' in page
    assert 'href="/help?country=NZ"' in page
    assert 'href="/safety-plan/edit"' in page  # an invitation: no plan yet
    assert 'href="/help/grounding/"' in page
    assert "Name five things you can see" in page
    again = client.get(response["Location"]).content.decode()
    assert 'id="support"' not in again


def test_the_panel_is_in_the_readers_language(
    client: Client, make_user: Any, community: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _distressed(monkeypatch, "moderate")
    client.force_login(make_user(country="HK", locale="en"))
    client.cookies["django_language"] = "zh-hans"
    response = client.post("/c/hard-days/new/", {"title": "难熬的一周", "body": "最近很难受"})
    page = client.get(response["Location"]).content.decode()
    assert 'id="support"' in page
    assert "18111 精神健康支援热线" in page


def test_the_panel_for_someone_worried_about_a_friend_helps_them_help(
    client: Client, make_user: Any, community: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alongside.safety.services import safety_plan_save

    _distressed(monkeypatch, "high", subject="other")
    user = make_user(country="GB")
    safety_plan_save(user_id=user.pk, sections={"coping_strategies": "Music"})
    client.force_login(user)
    response = client.post("/c/hard-days/new/", {"title": "My friend", "body": "Worried."})
    page = client.get(response["Location"]).content.decode()
    assert "How to help someone you are worried about" in page
    assert 'href="/help#worried"' in page
    assert 'href="tel:116123"' in page  # a line they can call for advice
    panel = page.split('id="support"')[1].split("</section>")[0]
    assert panel.index("How to help someone") < panel.index('href="/safety-plan"')  # theirs too


def test_a_low_level_panel_is_light(
    client: Client, make_user: Any, community: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _distressed(monkeypatch, "low")
    client.force_login(make_user(country="GB"))
    response = client.post("/c/hard-days/new/", {"title": "Tired", "body": "A rough week."})
    page = client.get(response["Location"]).content.decode()
    panel = page.split('id="support"')[1].split("</section>")[0]
    assert "support-panel--urgent" not in page
    assert 'href="tel:' not in panel  # no list of numbers for a rough week...
    assert 'href="/help?country=GB"' in panel  # ...but the way to them is right there
    assert 'href="/help/grounding/"' in panel


def test_the_composer_carries_the_draft_check_without_inline_script(
    client: Client, make_user: Any, community: Any
) -> None:
    client.force_login(make_user())
    page = client.get("/c/hard-days/new/").content.decode()
    assert 'data-draft-offer data-url="/api/v1/safety/assess"' in page
    assert 'aria-live="polite"' in page
    assert '<script src="/static/safety/draft-check.js" type="module"></script>' in page
    assert "Not now" in page  # the offer can always be put away
