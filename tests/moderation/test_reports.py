"""Reports: answered alike whatever the target, rate-limited, outcomes visible to the reporter,
"someone at risk" to the crisis queue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.communities.conftest import Api
from tests.moderation.conftest import trusted

pytestmark = pytest.mark.django_db


def _report(person: Api, target_id: Any, reason: str = "harassment", kind: str = "post") -> Any:
    return person.post(
        "/api/v1/reports", {"target_type": kind, "target_id": target_id, "reason": reason}
    )


def test_reporting_a_missing_and_an_invisible_post_answer_the_same(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    make_community("hidden-room", visibility="private")
    make_community("anxiety")
    insider = trusted(api())
    from alongside.communities.models import Community, Membership

    Membership.objects.create(
        user_id=insider.member["user_id"], community=Community.objects.get(slug="hidden-room")
    )
    thread = insider.thread("hidden-room", body="Only for us here.")
    post_id = insider.get(f"/api/v1/threads/{thread['id']}").json()["posts"]["items"][0]["id"]
    visible = trusted(api()).thread(body="Out in the open.")
    visible_post = api().get(f"/api/v1/threads/{visible['id']}").json()["posts"]["items"][0]["id"]

    outsider = api()
    invisible = _report(outsider, post_id)
    missing = _report(outsider, 987654321)
    seen = _report(outsider, visible_post)
    assert invisible.status_code == missing.status_code == seen.status_code == 202
    assert invisible.content == missing.content == seen.content
    # only the visible one reached the queue
    items = moderator().get("/api/v1/moderation/queue").json()["items"]
    assert [i["target_id"] for i in items] == [str(visible_post)]


def test_reports_are_rate_limited_with_retry_after(api: Callable[..., Api], settings: Any) -> None:
    settings.MODERATION_REPORT_LIMIT = (2, 3600)
    person = api()
    assert _report(person, 1).status_code == 202
    assert _report(person, 2).status_code == 202
    refused = _report(person, 3)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["code"] == "rate_limited"
    assert api().get("/api/v1/help/hotlines?country=GB").status_code == 200


def test_bad_reports_are_clear_errors_and_store_nothing(api: Callable[..., Api]) -> None:
    from alongside.moderation.models import Report

    person = api()
    assert _report(person, 1, reason="boring").json()["field"] == "reason"
    assert _report(person, "abc").json()["field"] == "target_id"
    assert _report(person, 1, kind="planet").json()["field"] == "target_type"
    assert Report.objects.count() == 0


def test_the_reporter_sees_the_outcome_never_the_moderator(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    make_community("anxiety")
    thread = trusted(api()).thread(body="Some words that someone found hurtful.")
    reporter = api()
    _report(reporter, thread["id"], kind="thread")
    [mine] = reporter.get("/api/v1/me/reports").json()["items"]
    assert mine["outcome"] == "received"
    mod = moderator("mod_secret")
    [item] = mod.get("/api/v1/moderation/queue").json()["items"]
    mod.post(
        f"/api/v1/moderation/items/{item['id']}/actions",
        {"action": "hide", "reason": "Hurtful words, hidden for now."},
    )
    response = reporter.get("/api/v1/me/reports")
    assert response.json()["items"][0]["outcome"] == "action_taken"
    assert b"mod_secret" not in response.content


def test_someone_at_risk_goes_to_the_crisis_queue_not_moderators(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    from alongside.moderation.models import Report
    from alongside.safety.models import Concern

    make_community("anxiety")
    thread = trusted(api()).thread(body="I don't know how much longer I can keep going.")
    response = _report(api(), thread["id"], reason="someone_at_risk", kind="thread")
    assert response.status_code == 202
    assert Concern.objects.count() == 1
    assert Report.objects.count() == 0
    assert moderator().get("/api/v1/moderation/queue").json()["items"] == []


def test_the_report_page_works_without_javascript(
    api: Callable[..., Api], make_community: Callable[..., Any], moderator: Callable[..., Api]
) -> None:
    make_community("anxiety")
    thread = trusted(api()).thread(body="Words on a page.")
    reporter = api()
    page = reporter.client.get(f"/report/?target_type=thread&target_id={thread['id']}")
    assert page.status_code == 200 and b'name="reason"' in page.content
    sent = reporter.client.post(
        "/report/", {"target_type": "thread", "target_id": thread["id"], "reason": "spam"}
    )
    assert sent.status_code == 303 and sent["Location"] == "/report/sent/"
    bad = reporter.client.post("/report/", {"target_type": "thread", "target_id": thread["id"]})
    assert bad.status_code == 422
