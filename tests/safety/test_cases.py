"""The crisis queue: one case per person, ordered by urgency, with evidence in context; the
API for responders (everyone else: the same 404), acknowledgement, notes, outcomes and labels,
live updates on commit, and what export and erasure do with it all."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test import Client
from django.utils import timezone

from alongside.asgi import application
from alongside.communities.models import Post
from alongside.core.actor import Actor, Role
from alongside.core.models import AuditEntry
from alongside.safety import cases, selectors
from alongside.safety.models import Case, CaseEvent, CaseNote, Concern, RiskEvent, RiskLabel
from tests.conftest import PASSWORD, auth, run_jobs
from tests.core.wsclient import WebsocketCommunicator
from tests.privacy.conftest import export_archive
from tests.safety.crisis import (
    HIGH,
    IMMINENT,
    api,
    community,
    member,
    reply,
    responder,
    safety_events,
    staff,
    thread,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_without_mfa(settings: Any) -> None:
    settings.STAFF_MFA_REQUIRED = False  # MFA for staff is tested in tests/accounts


def _open(person: Any, level: str, *, at: datetime.datetime, source: str = "risk") -> Case:
    case, _opened = cases.case_open_or_update(
        person_id=person.pk, level=level, source=source, now=at
    )
    return case


def _actor(user: Any) -> Actor:
    return Actor(user_id=user.pk, roles=frozenset({Role.CRISIS_RESPONDER}))


# --- one case per person ----------------------------------------------------------------------


def test_many_posts_of_one_person_join_one_case_at_the_highest_level() -> None:
    community()
    writer = member()
    first = thread(writer["token"], HIGH)
    reply(writer["token"], first["id"], IMMINENT)
    thread(writer["token"], HIGH, title="Another day")
    other = member()
    thread(other["token"], HIGH)

    assert Case.objects.count() == 2
    case = Case.objects.get(person_id=writer["user_id"])
    assert case.level == "imminent"
    assert RiskEvent.objects.filter(case=case).count() == 3
    kinds = list(CaseEvent.objects.filter(case=case).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["opened", "level_raised", "evidence"]


def test_a_closed_case_stays_closed_and_new_risk_opens_a_new_one(make_user) -> None:
    person, worker = make_user(), responder()
    now = timezone.now()
    first = _open(person, "high", at=now)
    cases.case_resolve(actor=_actor(worker), case=first, outcome="supported")
    second = _open(person, "high", at=now)
    assert second.pk != first.pk
    assert Case.objects.filter(person=person, status="open").count() == 1


# --- the queue --------------------------------------------------------------------------------


def test_the_queue_orders_by_level_then_unacknowledged_then_waiting_time(make_user) -> None:
    worker = responder()
    now = timezone.now()
    old_high = _open(make_user(), "high", at=now - datetime.timedelta(minutes=30))
    new_high = _open(make_user(), "high", at=now - datetime.timedelta(minutes=5))
    taken_imminent = _open(make_user(), "imminent", at=now - datetime.timedelta(minutes=50))
    new_imminent = _open(make_user(), "imminent", at=now - datetime.timedelta(minutes=1))
    cases.case_acknowledge(actor=_actor(worker), case=taken_imminent)
    taken_high = _open(make_user(), "high", at=now - datetime.timedelta(minutes=60))
    cases.case_acknowledge(actor=_actor(worker), case=taken_high)

    response = api_get(worker, "/api/v1/safety/cases")
    assert response.status_code == 200
    ids = [item["id"] for item in response.json()["items"]]
    assert ids == [new_imminent.pk, taken_imminent.pk, old_high.pk, new_high.pk, taken_high.pk]
    assert response.json()["counts"] == {"open": 5, "waiting": 3}

    # Keyset pages give the same order.
    seen, cursor = [], None
    while True:
        page = selectors.case_queue(viewer_id=worker.pk, cursor=cursor, limit=2)
        seen += [item["id"] for item in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == ids


def test_queue_items_carry_sla_timers_and_no_names_or_words(make_user) -> None:
    worker = responder()
    person = make_user(username="quietriver")
    now = timezone.now()
    case = _open(person, "imminent", at=now - datetime.timedelta(seconds=400))
    item = api_get(worker, "/api/v1/safety/cases").json()["items"][0]
    assert item["id"] == case.pk
    assert 400 <= item["waiting_seconds"] < 460
    due = datetime.datetime.fromisoformat(item["due_at"])
    expected = case.waiting_since + datetime.timedelta(seconds=300)
    assert abs(due - expected) < datetime.timedelta(milliseconds=1)  # JSON keeps milliseconds
    assert item["overdue"] is True
    assert item["acknowledged"] is False
    assert "quietriver" not in str(item)


def test_the_queue_costs_the_same_queries_for_many_cases(
    make_user, django_assert_max_num_queries
) -> None:
    worker = responder()
    now = timezone.now()
    for minutes in range(12):
        case = _open(make_user(), "high", at=now - datetime.timedelta(minutes=minutes))
        if minutes % 3 == 0:
            cases.case_acknowledge(actor=_actor(worker), case=case)
    client = Client()
    client.force_login(worker)
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/safety/cases")
    assert len(response.json()["items"]) == 12


@pytest.mark.parametrize("path", ["/api/v1/safety/cases", "/api/v1/safety/cases/{id}"])
def test_only_responders_and_admins_see_cases(path: str, make_user) -> None:
    case = _open(make_user(), "high", at=timezone.now())
    url = path.format(id=case.pk)
    assert api_get(responder(), url).status_code == 200
    assert api_get(staff(Role.ADMIN), url).status_code == 200
    for role in (Role.MODERATOR, Role.CLINICIAN):
        assert api_get(staff(role), url).status_code == 404
    someone = member()
    assert api(someone["token"], "GET", url).status_code == 404
    assert Client().get(url).status_code == 401


def test_a_missing_case_and_a_forbidden_one_answer_alike(make_user) -> None:
    case = _open(make_user(), "high", at=timezone.now())
    someone = member()
    forbidden = api(someone["token"], "GET", f"/api/v1/safety/cases/{case.pk}")
    missing = api(someone["token"], "GET", f"/api/v1/safety/cases/{case.pk + 1000}")
    huge = api(someone["token"], "GET", "/api/v1/safety/cases/99999999999999999999999")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.content == missing.content
    assert huge.status_code in (404, 422)
    worker = responder()
    assert api_get(worker, f"/api/v1/safety/cases/{case.pk + 1000}").content == missing.content


def test_a_responder_never_handles_or_hears_of_their_own_case() -> None:
    community()
    colleague = responder()
    writer_responder = responder("alsostruggling")
    from alongside.notifications.models import Notification

    token = _token_for(writer_responder)
    thread(token, IMMINENT)
    case = Case.objects.get(person=writer_responder)
    assert api_get(writer_responder, "/api/v1/safety/cases").json()["items"] == []
    assert api_get(writer_responder, f"/api/v1/safety/cases/{case.pk}").status_code == 404
    assert api_get(colleague, f"/api/v1/safety/cases/{case.pk}").status_code == 200
    assert safety_events(writer_responder.pk) == []
    assert not Notification.objects.filter(user=writer_responder, kind="safety").exists()
    assert Notification.objects.filter(user=colleague, kind="safety").count() == 1


def test_when_the_only_responder_is_the_person_the_administrators_are_alerted() -> None:
    community()
    admin = staff(Role.ADMIN)
    only = responder()
    thread(_token_for(only), IMMINENT)
    from alongside.notifications.models import Notification

    assert Notification.objects.filter(user=admin, kind="safety").count() == 1
    assert not Notification.objects.filter(user=only, kind="safety").exists()


# --- one case, in context --------------------------------------------------------------------


def test_a_case_shows_the_evidence_highlighted_in_the_post_and_the_reading_is_audited() -> None:
    community()
    writer = member()
    created = thread(writer["token"], IMMINENT, anonymous=True)
    worker = responder()
    case = Case.objects.get(person_id=writer["user_id"])

    detail = api_get(worker, f"/api/v1/safety/cases/{case.pk}").json()
    assert detail["person"]["username"] == writer["username"]
    evidence = detail["evidence"][0]
    assert evidence["level"] == "imminent"
    post = evidence["post"]
    assert post["id"] == created["post"]["id"] and post["anonymous"] is True
    assert post["changed"] is False
    marked = [s for s in post["segments"] if s["rules"]]
    assert marked, post["segments"]
    assert "".join(s["text"] for s in post["segments"]) == f"A hard week\n{IMMINENT}"
    assert [p["id"] for p in detail["recent_posts"]] == [created["post"]["id"]]
    assert detail["timeline"][-1]["kind"] == "opened"

    audit = AuditEntry.objects.filter(action="safety.case.view").get()
    assert audit.data == {"case_id": case.pk}
    assert audit.target_type == "user" and writer["username"] not in audit.target_id


def test_an_edited_post_is_shown_as_it_is_now_without_stale_highlights() -> None:
    community()
    writer = member()
    created = thread(writer["token"], IMMINENT)
    response = api(
        writer["token"],
        "PATCH",
        f"/api/v1/posts/{created['post']['id']}",
        {"body": "I talked to my sister. I'm safe tonight."},
    )
    assert response.status_code == 200, response.content
    case = Case.objects.get(person_id=writer["user_id"])
    detail = api_get(responder(), f"/api/v1/safety/cases/{case.pk}").json()
    first = [e for e in detail["evidence"] if e["post"]["changed"]]
    assert first
    assert all(not s["rules"] for e in first for s in e["post"]["segments"])
    assert "sister" in first[0]["post"]["segments"][0]["text"]


def test_the_detail_costs_a_fixed_number_of_queries(
    make_user, django_assert_max_num_queries
) -> None:
    community()
    writer = member()
    for n in range(6):
        thread(writer["token"], HIGH, title=f"Day {n}")
    case = Case.objects.get(person_id=writer["user_id"])
    worker = responder()
    for n in range(5):
        cases.case_note_add(actor=_actor(worker), case=case, text=f"note {n}")
    client = Client()
    client.force_login(worker)
    with django_assert_max_num_queries(25):
        response = client.get(f"/api/v1/safety/cases/{case.pk}")
    assert response.status_code == 200
    assert len(response.json()["evidence"]) == 6


# --- acknowledging, notes, outcomes -----------------------------------------------------------


def test_acknowledging_records_time_to_acknowledge_and_stops_escalation(make_user) -> None:
    worker = responder()
    watcher = responder()
    now = timezone.now()
    case = _open(make_user(), "imminent", at=now - datetime.timedelta(seconds=90))
    response = api_post(worker, f"/api/v1/safety/cases/{case.pk}/acknowledge")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["acknowledged"] is True
    assert 90 <= body["ack_seconds"] < 150
    assert body["due_at"] is None
    case.refresh_from_db()
    assert case.next_escalation_at is None and case.acknowledged_by == worker
    # Acknowledging again changes nothing; every queue page heard of it once.
    again = api_post(watcher, f"/api/v1/safety/cases/{case.pk}/acknowledge")
    assert again.json()["acknowledged_by"] == worker.public_name
    actions = [e["data"]["action"] for e in safety_events(watcher.pk)]
    assert actions == ["opened", "acknowledged"]
    assert AuditEntry.objects.filter(action="safety.case.acknowledge").count() == 1


def test_notes_are_encrypted_at_rest_and_read_back(make_user) -> None:
    worker = responder()
    case = _open(make_user(), "high", at=timezone.now())
    response = api_post(
        worker, f"/api/v1/safety/cases/{case.pk}/notes", {"text": "Called the clinic together"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["text"] == "Called the clinic together"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT text FROM {CaseNote._meta.db_table}")
        (raw,) = cursor.fetchone()
    assert b"clinic" not in bytes(raw)
    detail = api_get(worker, f"/api/v1/safety/cases/{case.pk}").json()
    assert [n["text"] for n in detail["notes"]] == ["Called the clinic together"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "fixed"}, "outcome"),
        ({"outcome": "false_alarm", "level": "imminent"}, "level"),
        ({"outcome": "supported", "level": "low"}, "level"),
        ({"outcome": "supported", "level": "dire"}, "level"),
        ({"outcome": "supported", "note": "x" * 4001}, "note"),
    ],
)
def test_bad_outcomes_are_refused_and_change_nothing(body, field, make_user) -> None:
    worker = responder()
    case = _open(make_user(), "high", at=timezone.now())
    response = api_post(worker, f"/api/v1/safety/cases/{case.pk}/resolve", body)
    assert response.status_code == 422
    assert response.json()["field"] == field
    case.refresh_from_db()
    assert case.status == "open" and case.acknowledged_at is None
    assert not RiskLabel.objects.exists()


def test_outcomes_become_labels_for_evaluation() -> None:
    community()
    worker = responder()
    alarm_writer, real_writer, gone_writer = member(), member(), member()
    alarm = thread(alarm_writer["token"], HIGH, title="Lyrics")
    real = thread(real_writer["token"], IMMINENT)
    thread(gone_writer["token"], HIGH)

    def resolve(writer: dict[str, Any], **body: Any) -> None:
        case = Case.objects.get(person_id=writer["user_id"])
        response = api_post(worker, f"/api/v1/safety/cases/{case.pk}/resolve", body)
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "closed"

    resolve(alarm_writer, outcome="false_alarm")
    resolve(real_writer, outcome="emergency_services", note="Ambulance called with them")
    resolve(gone_writer, outcome="supported")
    gone_post = Post.objects.get(author_id=gone_writer["user_id"])
    deleted = api(gone_writer["token"], "DELETE", f"/api/v1/posts/{gone_post.pk}")
    assert deleted.status_code == 204

    labels = {
        label.risk_event.user_id: (label.engine_level, label.level, label.outcome)
        for label in RiskLabel.objects.select_related("risk_event")
    }
    assert labels[alarm_writer["user_id"]] == ("high", "moderate", "false_alarm")
    assert labels[real_writer["user_id"]] == ("imminent", "imminent", "emergency_services")
    assert labels[gone_writer["user_id"]][1] == "high"

    rows = list(selectors.labelled_texts())
    assert {tuple(sorted(r)) for r in rows} == {("id", "level", "text")}
    by_text = {r["text"]: r["level"] for r in rows}
    assert by_text == {
        f"Lyrics\n{HIGH}": "moderate",
        f"A hard week\n{IMMINENT}": "imminent",
    }
    assert alarm["id"] and real["id"]

    # The operator's round trip: export the labels, then score the engine on them.
    import io

    from django.core.management import call_command

    exported = io.StringIO()
    call_command("safety", "labels", stdout=exported)
    lines = [json.loads(line) for line in exported.getvalue().splitlines()]
    assert sorted(r["level"] for r in lines) == ["imminent", "moderate"]
    report = io.StringIO()
    call_command(
        "safety",
        "evaluate",
        "-",
        "--scheme",
        "levels",
        stdin=io.BytesIO(exported.getvalue().encode()),
        stdout=report,
    )
    assert "texts: 2" in report.getvalue()


def test_a_closed_case_cannot_be_acknowledged_or_closed_again(make_user) -> None:
    worker = responder()
    case = _open(make_user(), "high", at=timezone.now())
    assert api_post(worker, f"/api/v1/safety/cases/{case.pk}/resolve", {"outcome": "referred"})
    for action, body in (("acknowledge", {}), ("resolve", {"outcome": "supported"})):
        response = api_post(worker, f"/api/v1/safety/cases/{case.pk}/{action}", body)
        assert response.status_code == 409
        assert response.json()["code"] == "closed"


def test_a_higher_level_after_acknowledgement_waits_for_a_responder_again(make_user) -> None:
    worker, other = responder(), responder()
    person = make_user()
    now = timezone.now()
    case = _open(person, "high", at=now - datetime.timedelta(minutes=10))
    cases.case_acknowledge(actor=_actor(worker), case=case, now=now - datetime.timedelta(minutes=9))
    # Nobody is on call, so every responder is alerted again (the one who had it too).
    _open(person, "imminent", at=now)
    case.refresh_from_db()
    assert case.level == "imminent"
    assert case.acknowledged_at is None and case.waiting_since == now
    assert case.next_escalation_at == now + datetime.timedelta(seconds=300)
    assert case.ack_seconds == 60  # the first time-to-acknowledge is kept
    from alongside.notifications.models import Notification

    assert Notification.objects.filter(user=worker, kind="safety").count() == 2
    assert Notification.objects.filter(user=other, kind="safety").count() == 2


# --- live: the queue hears of new cases after commit -----------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_responders_socket_receives_the_new_case_when_a_member_posts() -> None:
    await database_sync_to_async(community)()
    worker = await database_sync_to_async(responder)()
    writer = await database_sync_to_async(member)()
    token = await database_sync_to_async(_token_for)(worker)
    socket = WebsocketCommunicator(
        application, f"/ws/events?token={token}", headers=[(b"origin", b"http://testserver")]
    )
    connected, _ = await socket.connect(timeout=10)
    assert connected
    await socket.send_json_to({"resume_from": 0})
    created = await database_sync_to_async(thread)(writer["token"], IMMINENT)
    frame = await socket.receive_json_from(timeout=10)
    while frame["type"] != "safety.case":
        frame = await socket.receive_json_from(timeout=10)
    case_id = await database_sync_to_async(
        lambda: Case.objects.get(person_id=writer["user_id"]).pk
    )()
    assert frame["data"] == {
        "case_id": case_id,
        "action": "opened",
        "level": "imminent",
        "url": f"/safety/cases/{case_id}/",
    }
    assert created["support"]["level"] == "imminent"
    await socket.disconnect()


def _token_for(user: Any) -> str:
    """A session token for an existing user, from the headless login."""
    response = Client().post(
        "/_allauth/app/v1/auth/login",
        {"username": user.username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return str(response.json()["meta"]["session_token"])


# --- export and erasure -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_export_shows_cases_and_messages_but_not_responder_notes() -> None:
    community()
    writer = member()
    thread(writer["token"], IMMINENT)
    worker = responder()
    case = Case.objects.get(person_id=writer["user_id"])
    cases.case_note_add(actor=_actor(worker), case=case, text="Responder working note")
    cases.case_outreach(actor=_actor(worker), case=case, message="We are here for you")
    archive = export_archive(Client(), writer["token"])
    sections = archive["sections"]
    text = str(sections)
    assert sections["crisis_cases"]["items"][0]["level"] == "imminent"
    assert sections["risk_events"]["items"][0]["level"] == "imminent"
    assert [m["text"] for m in sections["crisis_case_messages"]["items"]] == ["We are here for you"]
    assert "Responder working note" not in text


@pytest.mark.django_db(transaction=True)
def test_erasure_removes_the_persons_cases_and_unlinks_what_they_reported() -> None:
    community()
    writer, reporter = member(), member()
    created = thread(writer["token"], IMMINENT)
    other = member()
    other_post = thread(other["token"], "Just checking in.", title="Hello all")
    assert (
        api(
            reporter["token"],
            "POST",
            "/api/v1/safety/concerns",
            {"target_type": "post", "target_id": other_post["post"]["id"], "note": "Worried"},
        ).status_code
        == 202
    )
    worker = responder()
    case = Case.objects.get(person_id=writer["user_id"])
    cases.case_note_add(actor=_actor(worker), case=case, text="note")

    for person in (writer, reporter):
        response = Client().post(
            "/api/v1/me/erase",
            {"password": PASSWORD},
            content_type="application/json",
            **auth(person["token"]),
        )
        assert response.status_code == 202, response.content
    run_jobs()
    assert not Case.objects.filter(person_id=writer["user_id"]).exists()
    assert not RiskEvent.objects.filter(user_id=writer["user_id"]).exists()
    assert not CaseNote.objects.filter(person_id=writer["user_id"]).exists()
    concern = Concern.objects.get()
    assert concern.reporter_id is None and concern.note is None
    assert concern.person_id == other["user_id"]
    assert created


# --- helpers ----------------------------------------------------------------------------------


def api_get(user: Any, path: str) -> Any:
    client = Client()
    client.force_login(user)
    return client.get(path)


def api_post(user: Any, path: str, body: dict[str, Any] | None = None) -> Any:
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client.post(path, body or {}, content_type="application/json")
