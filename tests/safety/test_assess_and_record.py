"""``assess_and_record``: what safety keeps when someone writes, and what the writer gets.

Engine behaviour is the detection tests' business; here crafted engine results pin the
recording rules, and the issue's own example goes through the real engine and the thread API.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction
from django.forms.models import model_to_dict

from alongside.communities.models import Post
from alongside.core.actor import Actor
from alongside.core.models import Event
from alongside.safety import services
from alongside.safety.detection import Evidence, RiskResult
from alongside.safety.evidence import text_digest
from alongside.safety.models import Case, RiskEvent
from tests.safety.crisis import CALM, IMMINENT, community, member, responder, safety_events, thread

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_without_mfa(settings: Any) -> None:
    settings.STAFF_MFA_REQUIRED = False  # MFA for staff is tested in tests/accounts


def _engine(monkeypatch: pytest.MonkeyPatch, result: RiskResult) -> None:
    monkeypatch.setattr(services, "assess", lambda text, **kwargs: result)


def _result(level: str, subject: str = "self", **kwargs: Any) -> RiskResult:
    return RiskResult(level=level, score=0.5, subject=subject, version="test-1", **kwargs)


def test_the_issue_example_through_the_api_opens_a_case_and_answers_with_support() -> None:
    community()
    watcher = responder()
    writer = member()
    created = thread(writer["token"], IMMINENT)

    assert created["support"] is not None
    assert created["support"]["level"] == "imminent"
    case = Case.objects.get(person_id=writer["user_id"])
    assert (case.status, case.level, case.sources) == ("open", "imminent", ["risk"])
    event = RiskEvent.objects.get(user_id=writer["user_id"])
    assert event.case_id == case.pk
    assert (event.level, event.surface, event.object_type) == ("imminent", "post", "post")
    assert event.object_id == str(created["post"]["id"])
    # The post stays visible with an automatic content warning about suicide.
    post = Post.objects.get(pk=created["post"]["id"])
    assert post.status == "visible"
    assert ",suicide," in post.cw_topics
    # The responder's queue heard of it (after commit, in their event stream).
    assert [e["data"]["case_id"] for e in safety_events(watcher.pk)] == [case.pk]


def test_risk_events_keep_offsets_and_a_digest_never_the_words() -> None:
    community()
    writer = member()
    thread(writer["token"], IMMINENT, title="A hard week")
    event = RiskEvent.objects.get(user_id=writer["user_id"])
    stored = json.dumps(model_to_dict(event), default=str)
    # Rule ids may name what they look for; the writer's words (with their spaces) are absent.
    assert "saving my pills" not in stored and "taking them" not in stored
    assert event.text_digest == text_digest(f"A hard week\n{IMMINENT}")
    assert any(isinstance(s[0], int) for s in event.spans)
    assert event.rules


def test_no_risk_stores_nothing_and_offers_no_support() -> None:
    community()
    writer = member()
    created = thread(writer["token"], CALM)
    assert created["support"] is None
    assert not RiskEvent.objects.exists()
    assert not Case.objects.exists()


def test_low_risk_is_recorded_with_support_but_opens_no_case(monkeypatch, make_user) -> None:
    _engine(monkeypatch, _result("low", categories=("distress",)))
    writer = make_user()
    assessment = services.assess_and_record(
        actor=Actor(user_id=writer.pk), surface="post", text="a hard day", object_type="post"
    )
    assert assessment.level == "low"
    assert assessment.support is not None
    assert assessment.content_warning_topics == ()
    assert RiskEvent.objects.filter(user=writer, level="low").count() == 1
    assert not Case.objects.exists()


def test_drafts_are_assessed_but_nothing_is_stored(monkeypatch, make_user) -> None:
    _engine(monkeypatch, _result("imminent"))
    writer = make_user()
    responder()
    assessment = services.assess_and_record(
        actor=Actor(user_id=writer.pk), surface="draft", text="draft words"
    )
    assert assessment.level == "imminent"
    assert assessment.support is not None
    assert not RiskEvent.objects.exists()
    assert not Case.objects.exists()
    assert not Event.objects.exists()


def test_method_details_hold_the_text(monkeypatch, make_user) -> None:
    _engine(monkeypatch, _result("high", method_detail=True, categories=("self_harm",)))
    writer = make_user()
    assessment = services.assess_and_record(
        actor=Actor(user_id=writer.pk), surface="reply", text="words", object_type="post"
    )
    assert assessment.hold is True
    assert assessment.content_warning_topics == ("self_harm",)


def test_someone_else_at_high_gets_help_for_helping_and_opens_no_case(
    monkeypatch, make_user
) -> None:
    _engine(monkeypatch, _result("high", subject="other", categories=("suicidal_ideation",)))
    writer = make_user()
    assessment = services.assess_and_record(
        actor=Actor(user_id=writer.pk), surface="post", text="about a friend", object_type="post"
    )
    assert assessment.subject == "other"
    assert assessment.support is not None
    assert assessment.content_warning_topics == ("suicide",)
    assert RiskEvent.objects.filter(user=writer, subject="other").count() == 1
    assert not Case.objects.exists()


def test_someone_else_in_immediate_danger_puts_the_writer_in_the_queue_at_high(
    monkeypatch, make_user
) -> None:
    _engine(monkeypatch, _result("imminent", subject="other"))
    writer = make_user()
    services.assess_and_record(
        actor=Actor(user_id=writer.pk), surface="post", text="about a friend", object_type="post"
    )
    case = Case.objects.get(person=writer)
    assert (case.level, case.sources) == ("high", ["someone_else"])


def test_evidence_offsets_that_do_not_fit_the_text_are_found_by_their_words(
    monkeypatch, make_user
) -> None:
    text = "I am so tired. tonight is the night"
    shifted = Evidence(
        start=0, end=7, text="tonight", rule="r.time", category="plan_means_timeline"
    )
    lost = Evidence(start=3, end=9, text="zzz", rule="r.lost", category="distress")
    _engine(monkeypatch, _result("moderate", evidence=(shifted, lost)))
    writer = make_user()
    services.assess_and_record(actor=Actor(user_id=writer.pk), surface="post", text=text)
    event = RiskEvent.objects.get(user=writer)
    assert event.spans == [
        [15, 22, "r.time", "plan_means_timeline"],
        [None, None, "r.lost", "distress"],
    ]


def test_a_rolled_back_write_leaves_no_event_no_case_and_tells_nobody(
    monkeypatch, make_user
) -> None:
    _engine(monkeypatch, _result("imminent"))
    writer = make_user()
    watcher = responder()

    class Boom(Exception):
        pass

    def write_then_fail() -> None:
        with transaction.atomic():
            services.assess_and_record(
                actor=Actor(user_id=writer.pk), surface="post", text="x", object_type="post"
            )
            assert Case.objects.exists()  # inside the write, the case is there
            raise Boom

    with pytest.raises(Boom):
        write_then_fail()
    assert not RiskEvent.objects.exists()
    assert not Case.objects.exists()
    assert safety_events(watcher.pk) == []


def test_an_unknown_surface_is_a_programming_error(make_user) -> None:
    with pytest.raises(ValueError, match="surface"):
        services.assess_and_record(actor=Actor(user_id=1), surface="diary", text="x")


def test_a_failing_support_payload_never_fails_the_write(monkeypatch, make_user) -> None:
    _engine(monkeypatch, _result("high"))

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("directory unavailable")

    monkeypatch.setattr(services, "support_for", broken)
    writer = make_user()
    assessment = services.assess_and_record(
        actor=Actor(user_id=writer.pk), surface="post", text="x", object_type="post"
    )
    assert assessment.support == {"level": "high", "subject": "self", "hotlines": []}
    assert Case.objects.filter(person=writer).exists()
