""" "I'm worried about this person", caring messages, the opt-out, and asking for a person.

A concern goes to responders as a case about the person, never to the person; the reporter's
answer is the same whatever the target; reporters are rate-limited. A person hears from the
team at most once a week through it, and never after opting out — unless they asked.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from alongside.communities.services import community_create
from alongside.core.actor import Actor, Role
from alongside.core.api import ApiError
from alongside.notifications.models import Notification
from alongside.safety import cases, services
from alongside.safety.models import Case, Concern, SafetySettings
from tests.safety.crisis import IMMINENT, api, community, member, responder, thread

pytestmark = pytest.mark.django_db
CONCERNS = "/api/v1/safety/concerns"


@pytest.fixture(autouse=True)
def _staff_without_mfa(settings: Any) -> None:
    settings.STAFF_MFA_REQUIRED = False  # MFA for staff is tested in tests/accounts


def _raise(token: str, target_type: str, target_id: Any, note: str | None = None) -> Any:
    body: dict[str, Any] = {"target_type": target_type, "target_id": target_id}
    if note is not None:
        body["note"] = note
    return api(token, "POST", CONCERNS, body)


def _actor(user: Any) -> Actor:
    return Actor(user_id=user.pk, roles=frozenset({Role.CRISIS_RESPONDER}))


def _caring(user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, kind="safety").count()


# --- raising a concern ------------------------------------------------------------------------


def test_a_concern_about_a_post_opens_a_case_about_its_author_not_the_reporter() -> None:
    community()
    worker = responder()
    author, reporter = member(), member()
    post = thread(author["token"], "Just checking in.", title="Hello all", anonymous=True)
    response = _raise(reporter["token"], "post", post["post"]["id"], "She seemed very low")
    assert response.status_code == 202, response.content
    case = Case.objects.get()
    assert case.person_id == author["user_id"]
    assert (case.level, case.sources) == ("high", ["concern"])
    concern = Concern.objects.get()
    assert concern.reporter_id == reporter["user_id"]
    assert str(concern.note) == "She seemed very low"
    # Responders hear of it; the person is not told anything.
    assert Notification.objects.filter(user=worker, kind="safety").count() == 1
    assert _caring(author["user_id"]) == 0


def test_the_answer_is_the_same_whatever_the_target() -> None:
    community()
    hidden_community = community_create(slug="hidden", name="Hidden", visibility="private")
    author, reporter = member(), member()
    visible = thread(author["token"], "Just checking in.", title="Hello all")
    from alongside.communities.models import Post, Thread

    hidden_thread = Thread.objects.create(
        community=hidden_community, author_id=author["user_id"], title="Private"
    )
    hidden = Post.objects.create(
        thread=hidden_thread, author_id=author["user_id"], body="x", body_html="x"
    )
    answers = [
        _raise(reporter["token"], "post", visible["post"]["id"]),
        _raise(reporter["token"], "post", 987654),
        _raise(reporter["token"], "post", hidden.pk),
        _raise(reporter["token"], "user", author["username"]),
        _raise(reporter["token"], "user", "nobody-by-that-name"),
    ]
    assert {a.status_code for a in answers} == {202}
    assert len({a.content for a in answers}) == 1
    body = answers[0].json()
    assert body["received"] is True
    assert body["guidance"] and body["hotlines"] and body["help_url"].endswith("#worried")
    assert body["support"]["subject"] == "other"
    # Only the two real, visible targets reached the queue (one case: the same person).
    assert Case.objects.get().person_id == author["user_id"]
    assert Concern.objects.filter(person__isnull=True).count() == 3


def test_a_note_that_says_the_danger_is_now_makes_the_case_imminent() -> None:
    community()
    author, reporter = member(), member()
    _raise(reporter["token"], "user", author["username"], f"She told me: {IMMINENT}")
    assert Case.objects.get().level == "imminent"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"target_type": "thread", "target_id": 1}, "target_type"),
        ({"target_type": "post", "target_id": "one"}, "target_id"),
        ({"target_type": "post", "target_id": True}, "target_id"),
        ({"target_type": "user", "target_id": ""}, "target_id"),
        ({"target_type": "user", "target_id": "someone", "note": "x" * 1001}, "note"),
    ],
)
def test_bad_concerns_are_refused_and_nothing_is_kept(body, field) -> None:
    reporter = member()
    response = api(reporter["token"], "POST", CONCERNS, body)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not Concern.objects.exists()


def test_reporters_are_limited_per_hour_and_per_day_whatever_the_targets() -> None:
    reporter = member()
    for n in range(5):
        assert _raise(reporter["token"], "user", f"ghost{n}").status_code == 202
    limited = _raise(reporter["token"], "user", "ghost6")
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert 3500 <= int(limited["Retry-After"]) <= 3600
    assert Concern.objects.count() == 5
    # Another reporter is not affected.
    assert _raise(member()["token"], "user", "ghost7").status_code == 202

    # Across a day: twenty, spread over hours, then no more until the oldest is a day old.
    actor = Actor(user_id=reporter["user_id"])
    start = timezone.now() + datetime.timedelta(hours=2)
    for n in range(15):
        services.concern_create(
            actor=actor,
            target_type="user",
            target_id="ghost",
            now=start + datetime.timedelta(hours=n // 4, minutes=n),
        )
    later = start + datetime.timedelta(hours=6)
    assert services.concern_retry_after(reporter_id=reporter["user_id"], now=later) is not None


def test_asking_needs_a_signed_in_person() -> None:
    response = Client().post(
        CONCERNS, {"target_type": "user", "target_id": "x"}, content_type="application/json"
    )
    assert response.status_code == 401


# --- caring messages --------------------------------------------------------------------------


def test_two_concerns_in_a_week_lead_to_one_caring_message() -> None:
    community()
    worker = responder()
    person, first, second = member(), member(), member()
    _raise(first["token"], "user", person["username"])
    _raise(second["token"], "user", person["username"])
    case = Case.objects.get(person_id=person["user_id"])
    client = Client()
    client.force_login(worker)
    sent = client.post(
        f"/api/v1/safety/cases/{case.pk}/outreach",
        {"message": "Thinking of you"},
        content_type="application/json",
    )
    assert sent.status_code == 200, sent.content
    again = client.post(
        f"/api/v1/safety/cases/{case.pk}/outreach", {}, content_type="application/json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "too_soon"
    assert _caring(person["user_id"]) == 1
    notification = Notification.objects.get(user_id=person["user_id"])
    assert notification.data == {"message": "caring", "url": "/safety/talk/"}
    # What the person reads names nobody.
    listed = api(person["token"], "GET", "/api/v1/notifications").json()["items"][0]
    assert listed["text"].startswith("Someone from our support team is thinking of you")
    assert listed["url"] == "/safety/talk/"
    assert first["username"] not in str(listed) and second["username"] not in str(listed)


def test_a_week_later_another_message_may_be_sent(make_user) -> None:
    worker = responder()
    person = make_user()
    now = timezone.now()
    case = cases.case_open_or_update(person_id=person.pk, level="high", source="concern")[0]
    cases.case_outreach(actor=_actor(worker), case=case, now=now)
    with pytest.raises(ApiError, match="7 days"):
        cases.case_outreach(actor=_actor(worker), case=case, now=now + datetime.timedelta(days=6))
    cases.case_outreach(
        actor=_actor(worker), case=case, now=now + datetime.timedelta(days=7, seconds=1)
    )
    assert _caring(person.pk) == 2


def test_after_opting_out_no_message_is_sent() -> None:
    worker = responder()
    person, reporter = member(), member()
    response = api(
        person["token"], "PUT", "/api/v1/me/safety-settings", {"concern_outreach": False}
    )
    assert response.status_code == 200
    assert response.json() == {"concern_outreach": False, "url": "/safety/settings/"}
    _raise(reporter["token"], "user", person["username"])
    case = Case.objects.get(person_id=person["user_id"])
    with pytest.raises(ApiError, match="chosen not to"):
        cases.case_outreach(actor=_actor(worker), case=case)
    assert _caring(person["user_id"]) == 0
    assert (
        api(person["token"], "GET", "/api/v1/me/safety-settings").json()["concern_outreach"]
        is False
    )


def test_a_person_who_asked_to_talk_can_always_be_answered() -> None:
    worker = responder()
    person = member()
    SafetySettings.objects.create(user_id=person["user_id"], concern_outreach=False)
    asked = api(person["token"], "POST", "/api/v1/safety/talk", {"message": "Rough night"})
    assert asked.status_code == 202
    case = Case.objects.get(person_id=person["user_id"])
    cases.case_outreach(actor=_actor(worker), case=case, message="I'm here. Want to talk?")
    cases.case_outreach(actor=_actor(worker), case=case, message="Checking in again")
    assert _caring(person["user_id"]) == 2
    page = Client()
    from alongside.accounts.models import User

    page.force_login(User.objects.get(pk=person["user_id"]))
    html = page.get("/safety/talk/").content.decode()
    assert "Checking in again" in html and "Rough night" in html


# --- asking for a person ----------------------------------------------------------------------


def test_asking_for_a_person_opens_a_high_case_and_says_what_happens_next() -> None:
    worker = responder()
    person = member()
    response = api(person["token"], "POST", "/api/v1/safety/talk", {})
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["received"] is True and body["what_next"] and body["hotlines"]
    assert body["url"] == "/safety/talk/"
    case = Case.objects.get(person_id=person["user_id"])
    assert (case.level, case.sources) == ("high", ["asked"])
    assert Notification.objects.filter(user=worker, kind="safety").count() == 1
    # Asking again joins the same case and does not alert again.
    api(person["token"], "POST", "/api/v1/safety/talk", {"message": "Still here"})
    assert Case.objects.filter(person_id=person["user_id"]).count() == 1
    assert Notification.objects.filter(user=worker, kind="safety").count() == 1


def test_asking_on_an_existing_case_adds_the_request_and_alerts() -> None:
    community()
    worker = responder()
    person = member()
    thread(person["token"], IMMINENT)
    api(person["token"], "POST", "/api/v1/safety/talk", {})
    case = Case.objects.get(person_id=person["user_id"])
    assert case.sources == ["risk", "asked"] and case.level == "imminent"
    assert Notification.objects.filter(user=worker, kind="safety").count() == 2


def test_asking_is_never_rate_limited() -> None:
    person = member()
    for _ in range(25):
        assert api(person["token"], "POST", "/api/v1/safety/talk", {}).status_code == 202
