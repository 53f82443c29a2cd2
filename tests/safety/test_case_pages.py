"""The pages: the crisis queue and a case (responders only, 404 for anyone else, working
without JavaScript), "I'm worried about this person" from a post, "talk to someone", and the
caring-message setting."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from alongside.accounts.models import User
from alongside.core.models import AuditEntry
from alongside.safety import cases
from alongside.safety.models import Case, CaseNote, Concern, OnCall, SafetySettings
from tests.safety.crisis import IMMINENT, api, browser, community, member, responder, thread

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_without_mfa(settings: Any) -> None:
    settings.STAFF_MFA_REQUIRED = False  # MFA for staff is tested in tests/accounts


def _user(person: dict[str, Any]) -> User:
    return User.objects.get(pk=person["user_id"])


def _case_from_a_post() -> tuple[Case, dict[str, Any], dict[str, Any]]:
    community()
    writer = member()
    created = thread(writer["token"], IMMINENT)
    return Case.objects.get(person_id=writer["user_id"]), writer, created


# --- the queue --------------------------------------------------------------------------------


def test_the_queue_page_lists_open_cases_for_responders(django_assert_max_num_queries) -> None:
    case, writer, _created = _case_from_a_post()
    page = browser(responder())
    with django_assert_max_num_queries(20):
        response = page.get("/safety/cases/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-case-id="{case.pk}"' in html
    assert "Imminent" in html and "Waiting for a responder" in html
    assert writer["username"] not in html  # names only on the (audited) case page
    assert 'src="/static/safety/queue.js"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # no inline script (CSP)
    assert "HX-Request" in response["Vary"]


def test_the_queue_fragment_for_live_updates_is_the_list_alone() -> None:
    case, _writer, _created = _case_from_a_post()
    response = browser(responder()).get("/safety/cases/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<section") and 'id="case-queue"' in html
    assert "<html" not in html
    assert f'data-case-id="{case.pk}"' in html


def test_pages_of_the_queue_are_hidden_from_everyone_else(make_user) -> None:
    case, _writer, _created = _case_from_a_post()
    someone = browser(make_user())
    for path in ("/safety/cases/", f"/safety/cases/{case.pk}/"):
        assert someone.get(path).status_code == 404
        anonymous = Client().get(path)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    for action in ("acknowledge", "notes", "resolve", "outreach"):
        assert someone.post(f"/safety/cases/{case.pk}/{action}/", {}).status_code == 404
    assert someone.post("/safety/on-call/", {"on_call": "on"}).status_code == 404
    case.refresh_from_db()
    assert case.acknowledged_at is None


def test_going_on_and_off_call_from_the_queue_page() -> None:
    worker = responder()
    page = browser(worker)
    response = page.post("/safety/on-call/", {"on_call": "on", "hours": "4"})
    assert response.status_code == 303
    shift = OnCall.objects.get(user=worker)
    assert shift.until is not None
    assert abs(shift.until - (shift.since + datetime.timedelta(hours=4))) < datetime.timedelta(
        seconds=5
    )
    assert "You are on call until" in page.get("/safety/cases/").content.decode()
    assert page.post("/safety/on-call/", {}).status_code == 303
    assert "You are not on call." in page.get("/safety/cases/").content.decode()


# --- a case -----------------------------------------------------------------------------------


def test_the_case_page_shows_highlighted_evidence_and_is_audited() -> None:
    case, writer, created = _case_from_a_post()
    response = browser(responder()).get(f"/safety/cases/{case.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<mark>" in html
    assert writer["username"] in html
    assert f'href="/t/{created["id"]}/#post-{created["post"]["id"]}"' in html
    assert AuditEntry.objects.filter(action="safety.case.view").count() == 1


def test_a_post_that_waits_for_its_authors_future_self_is_read_in_the_case_not_linked() -> None:
    """Only its author can open a waiting post: the case shows its words and its status in
    words, without a link that would answer 404 to the responder."""
    community()
    writer = member()
    assert (
        api(
            writer["token"],
            "PUT",
            "/api/v1/me/future-self",
            {"hold_hours": 4, "trusted_username": None},
        ).status_code
        == 200
    )
    created = thread(writer["token"], IMMINENT)
    assert created["post"]["status"] == "pending"
    case = Case.objects.get(person_id=writer["user_id"])
    page = browser(responder())
    response = page.get(f"/safety/cases/{case.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<mark>" in html and "Waiting to be published" in html
    assert f'href="/t/{created["id"]}/' not in html
    assert page.get(f"/t/{created['id']}/").status_code == 404  # why there is no link
    detail = page.get(f"/api/v1/safety/cases/{case.pk}").json()
    post = detail["evidence"][0]["post"]
    assert post["published"] is False and post["status_label"] == "Waiting to be published"


def test_acknowledge_note_outreach_and_resolve_through_the_page() -> None:
    case, writer, _created = _case_from_a_post()
    page = browser(responder())
    base = f"/safety/cases/{case.pk}"

    assert page.post(f"{base}/acknowledge/").status_code == 303
    case.refresh_from_db()
    assert case.acknowledged_at is not None

    empty = page.post(f"{base}/notes/", {"text": "   "})
    assert empty.status_code == 422
    assert "field__error" in empty.content.decode()
    assert page.post(f"{base}/notes/", {"text": "Spoke with them"}).status_code == 303
    assert [str(n.text) for n in CaseNote.objects.filter(case=case)] == ["Spoke with them"]

    assert page.post(f"{base}/outreach/", {"message": "We're here"}).status_code == 303
    second = page.post(f"{base}/outreach/", {"message": "Again"}, follow=True)
    assert "already received a caring message" in second.content.decode()

    bad = page.post(f"{base}/resolve/", {"outcome": "sorted"})
    assert bad.status_code == 422
    done = page.post(f"{base}/resolve/", {"outcome": "supported", "note": "Safe with family"})
    assert done.status_code == 303 and done["Location"] == "/safety/cases/"
    case.refresh_from_db()
    assert (case.status, case.outcome) == ("closed", "supported")
    assert "This case is closed" in page.get(f"{base}/").content.decode()
    assert writer


# --- "I'm worried about this person" from a post ---------------------------------------------


def test_each_post_of_someone_else_offers_the_worried_link_but_not_your_own() -> None:
    community()
    author, reader = member(), member()
    created = thread(author["token"], "Just checking in.", title="Hello all")
    link = f"/safety/concern/?target_type=post&amp;target_id={created['post']['id']}"
    assert link in browser(_user(reader)).get(f"/t/{created['id']}/").content.decode()
    assert link not in browser(_user(author)).get(f"/t/{created['id']}/").content.decode()


def test_raising_a_concern_through_the_page() -> None:
    community()
    author, reporter = member(), member()
    created = thread(author["token"], "Just checking in.", title="Hello all")
    page = browser(_user(reporter))
    form = page.get("/safety/concern/", {"target_type": "post", "target_id": created["post"]["id"]})
    assert form.status_code == 200
    assert f'name="target_id" value="{created["post"]["id"]}"' in form.content.decode()
    sent = page.post(
        "/safety/concern/",
        {"target_type": "post", "target_id": created["post"]["id"], "note": "Seems low"},
    )
    assert sent.status_code == 303 and sent["Location"] == "/safety/concern/sent/"
    thanks = page.get(sent["Location"]).content.decode()
    assert "How you can help" in thanks and "tel:" in thanks
    assert Case.objects.get().person_id == author["user_id"]


def test_the_concern_page_answers_429_when_a_reporter_has_raised_too_many() -> None:
    reporter = member()
    page = browser(_user(reporter))
    for n in range(5):
        assert (
            page.post(
                "/safety/concern/", {"target_type": "user", "target_id": f"ghost{n}"}
            ).status_code
            == 303
        )
    limited = page.post("/safety/concern/", {"target_type": "user", "target_id": "ghost"})
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert "emergency number" in limited.content.decode()
    assert Concern.objects.count() == 5


# --- talk to someone --------------------------------------------------------------------------


def test_the_talk_page_works_logged_out_with_crisis_lines() -> None:
    response = Client().get("/safety/talk/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "tel:" in html and "/accounts/login/" in html
    assert Client().post("/safety/talk/", {}).status_code == 302
    assert not Case.objects.exists()


def test_asking_for_someone_through_the_page() -> None:
    person = member()
    page = browser(_user(person))
    response = page.post("/safety/talk/", {"message": "Could someone reach out?"})
    assert response.status_code == 303
    case = Case.objects.get(person_id=person["user_id"])
    assert case.sources == ["asked"]
    html = page.get("/safety/talk/").content.decode()
    assert "We know you would like to talk" in html
    assert "Could someone reach out?" in html


def test_the_page_tells_the_person_when_someone_has_seen_their_request() -> None:
    person = member()
    worker = responder()
    page = browser(_user(person))
    page.post("/safety/talk/", {})
    from alongside.core.actor import Actor, Role

    case = Case.objects.get(person_id=person["user_id"])
    cases.case_acknowledge(
        actor=Actor(user_id=worker.pk, roles=frozenset({Role.CRISIS_RESPONDER})),
        case=case,
        now=timezone.now(),
    )
    assert "has seen your request" in page.get("/safety/talk/").content.decode()


# --- the caring-message setting ----------------------------------------------------------------


def test_opting_out_of_caring_messages_from_settings() -> None:
    person = member()
    page = browser(_user(person))
    settings_page = page.get("/settings/").content.decode()
    assert 'href="/safety/settings/"' in settings_page
    form = page.get("/safety/settings/").content.decode()
    assert re.search(r'name="concern_outreach"[^>]*checked', form)
    assert page.post("/safety/settings/", {}).status_code == 303
    assert SafetySettings.objects.get(user_id=person["user_id"]).concern_outreach is False
    assert page.post("/safety/settings/", {"concern_outreach": "on"}).status_code == 303
    assert SafetySettings.objects.get(user_id=person["user_id"]).concern_outreach is True
