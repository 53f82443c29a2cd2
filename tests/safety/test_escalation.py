"""Escalation: who is alerted when a case opens, and what happens while nobody answers.

Time is passed in (``now``), the way the periodic job's clock would move, so every deadline
is exact. The job itself is checked through the scheduler and the job queue.
"""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from alongside.core import scheduler
from alongside.core.actor import Actor, Role
from alongside.notifications.models import Notification
from alongside.safety import cases
from alongside.safety.models import Case, CaseEvent
from tests.conftest import run_jobs
from tests.safety.crisis import responder, safety_events, staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_without_mfa(settings: Any) -> None:
    settings.STAFF_MFA_REQUIRED = False  # MFA for staff is tested in tests/accounts
    settings.CRISIS_ACK_SECONDS = 300
    settings.CRISIS_HIGH_ACK_SECONDS = 900


T0 = datetime.datetime(2026, 3, 14, 2, 0, tzinfo=datetime.UTC)


def _seconds(n: int) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=n)


def _open(person: Any, level: str = "imminent", at: datetime.datetime = T0) -> Case:
    return cases.case_open_or_update(person_id=person.pk, level=level, source="risk", now=at)[0]


def _alerted(user: Any) -> list[dict[str, Any]]:
    return list(
        Notification.objects.filter(user=user, kind="safety")
        .order_by("pk")
        .values_list("data", flat=True)
    )


def _actor(user: Any) -> Actor:
    return Actor(user_id=user.pk, roles=frozenset({Role.CRISIS_RESPONDER}))


# --- who hears of a new case -----------------------------------------------------------------


def test_a_new_case_alerts_the_responders_on_call(make_user) -> None:
    on_call, off_call = responder(), responder()
    cases.on_call_set(actor=_actor(on_call), on=True, now=_seconds(-60))
    case = _open(make_user())
    assert [a["message"] for a in _alerted(on_call)] == ["case_new"]
    assert _alerted(off_call) == []
    # Every queue page still hears of it (no name, no words).
    for user in (on_call, off_call):
        assert [e["data"] for e in safety_events(user.pk)] == [
            {
                "case_id": case.pk,
                "action": "opened",
                "level": "imminent",
                "url": f"/safety/cases/{case.pk}/",
            }
        ]


def test_with_nobody_on_call_every_responder_is_alerted(make_user) -> None:
    first, second = responder(), responder()
    lapsed = responder()
    cases.on_call_set(actor=_actor(lapsed), on=True, hours=1, now=_seconds(-7200))
    _open(make_user())
    assert len(_alerted(first)) == len(_alerted(second)) == len(_alerted(lapsed)) == 1


def test_with_no_responders_at_all_the_administrators_are_alerted(make_user) -> None:
    admin = staff(Role.ADMIN)
    moderator = staff(Role.MODERATOR)
    _open(make_user())
    assert len(_alerted(admin)) == 1
    assert _alerted(moderator) == []


def test_responders_without_mfa_are_not_alerted_when_staff_need_mfa(settings, make_user) -> None:
    settings.STAFF_MFA_REQUIRED = True
    without_mfa = responder()
    admin_without_mfa = staff(Role.ADMIN)
    _open(make_user())
    assert _alerted(without_mfa) == [] and _alerted(admin_without_mfa) == []


def test_alerts_reach_responders_during_their_quiet_hours(make_user) -> None:
    from alongside.accounts.models import Preferences

    worker = responder()
    Preferences.objects.create(
        user=worker, quiet_hours_start=datetime.time(0, 0), quiet_hours_end=datetime.time(23, 59)
    )
    _open(make_user(), at=timezone.now())
    alert = Notification.objects.get(user=worker, kind="safety")
    assert alert.delivered_at is not None and alert.deliver_after is None


# --- escalation -------------------------------------------------------------------------------


def test_an_unacknowledged_imminent_case_escalates_and_keeps_escalating(make_user) -> None:
    on_call, other = responder(), responder()
    admin = staff(Role.ADMIN)
    cases.on_call_set(actor=_actor(on_call), on=True, now=_seconds(-60))
    case = _open(make_user())

    assert cases.cases_escalate_due(now=_seconds(299)) == 0
    assert len(_alerted(other)) == 0

    # Tier 1 after the deadline: every responder.
    assert cases.cases_escalate_due(now=_seconds(300)) == 1
    case.refresh_from_db()
    assert (case.escalation_level, case.next_escalation_at) == (1, _seconds(600))
    assert [a["message"] for a in _alerted(other)] == ["case_escalated"]
    assert len(_alerted(on_call)) == 2
    assert _alerted(admin) == []
    assert cases.cases_escalate_due(now=_seconds(310)) == 0  # nothing more until next time

    # Tier 2: responders and administrators; then again every interval.
    assert cases.cases_escalate_due(now=_seconds(600)) == 1
    assert len(_alerted(admin)) == 1
    assert cases.cases_escalate_due(now=_seconds(900)) == 1
    case.refresh_from_db()
    assert case.escalation_level == 2
    assert len(_alerted(admin)) == 2 and len(_alerted(other)) == 3
    assert all(a["escalated"] for a in _alerted(admin))
    tiers = list(
        CaseEvent.objects.filter(case=case, kind="escalated").values_list("data__tier", flat=True)
    )
    assert tiers == [1, 2, 2]
    assert [e["data"]["action"] for e in safety_events(other.pk)].count("escalated") == 3


def test_acknowledging_stops_the_escalation(make_user) -> None:
    worker = responder()
    case = _open(make_user())
    assert cases.cases_escalate_due(now=_seconds(300)) == 1
    cases.case_acknowledge(actor=_actor(worker), case=case, now=_seconds(420))
    case.refresh_from_db()
    assert case.ack_seconds == 420
    assert cases.cases_escalate_due(now=_seconds(3600)) == 0
    assert CaseEvent.objects.filter(case=case, kind="escalated").count() == 1


def test_high_cases_escalate_on_the_longer_timer(make_user) -> None:
    responder()
    _open(make_user(), level="high")
    assert cases.cases_escalate_due(now=_seconds(899)) == 0
    assert cases.cases_escalate_due(now=_seconds(900)) == 1


def test_the_deadline_follows_the_setting(settings, make_user) -> None:
    settings.CRISIS_ACK_SECONDS = 60
    responder()
    _open(make_user())
    assert cases.cases_escalate_due(now=_seconds(59)) == 0
    assert cases.cases_escalate_due(now=_seconds(60)) == 1


def test_a_high_case_that_becomes_imminent_moves_to_the_shorter_deadline(make_user) -> None:
    responder()
    person = make_user()
    _open(person, level="high")
    case = _open(person, level="imminent", at=_seconds(400))
    # It has waited 400 s already: more than the imminent deadline, so it is due at once.
    assert case.next_escalation_at == _seconds(400)
    assert cases.cases_escalate_due(now=_seconds(400)) == 1


def test_closed_cases_never_escalate(make_user) -> None:
    worker = responder()
    case = _open(make_user())
    cases.case_resolve(actor=_actor(worker), case=case, outcome="supported", now=_seconds(10))
    assert cases.cases_escalate_due(now=_seconds(10_000)) == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_job_at_once_escalate_each_case_once(make_user) -> None:
    responder()
    escalating = [_open(make_user()) for _ in range(3)]
    start = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            start.wait(timeout=10)
            results.append(cases.cases_escalate_due(now=_seconds(300)))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for worker in threads:
        worker.start()
    for worker in threads:
        worker.join(timeout=60)
    assert errors == []
    assert sum(results) == 3
    for case in escalating:
        assert CaseEvent.objects.filter(case=case, kind="escalated").count() == 1
        case.refresh_from_db()
        assert case.escalation_level == 1


def test_the_state_survives_a_restart(make_user) -> None:
    """Everything the job needs is in the row: a fresh process picks up where it was."""
    responder()
    case = _open(make_user())
    cases.cases_escalate_due(now=_seconds(300))
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.escalation_level, fresh.next_escalation_at) == (1, _seconds(600))
    assert cases.cases_escalate_due(now=_seconds(600)) == 1


def test_the_periodic_job_is_registered_and_runs_through_the_queue(make_user) -> None:
    jobs = {job.name: job for job in scheduler.registered()}
    job = jobs["safety.cases_escalate"]
    assert job.every == datetime.timedelta(seconds=scheduler.SCHEDULER_TICK_SECONDS)
    assert scheduler.resolve_task(job) is not None
    responder()
    past = timezone.now() - datetime.timedelta(hours=1)
    case = _open(make_user(), at=past)
    scheduler.scheduler_tick(worker_id="test", now=timezone.now())
    run_jobs()
    case.refresh_from_db()
    assert case.escalation_level == 1
