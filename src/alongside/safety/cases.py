"""The crisis queue's writes: one open case per person, acknowledgement, notes, outcomes,
caring messages, on-call, and escalation that keeps going until someone answers.

Every function is one transaction (or joins the caller's, for ``case_open_or_update``, which
runs inside the write that found the risk). Alerts are notifications (kept in the list, pushed
through quiet hours) and realtime ``safety.case`` events to everyone who watches the queue;
both are written in the transaction and leave only after commit (``core.realtime``).

Escalation (decision 0012): a new case alerts the responders on call (every responder when
nobody is on call; administrators when there are no responders). An unacknowledged case
escalates when its deadline passes — ``CRISIS_ACK_SECONDS`` for ``imminent``,
``CRISIS_HIGH_ACK_SECONDS`` for ``high`` — first to every responder, then to responders and
administrators, and again every interval until acknowledged. The state is in the row
(``escalation_level``, ``next_escalation_at``), so restarts lose nothing, and each step is
claimed by a conditional update, so two workers never escalate a case twice.
"""

from __future__ import annotations

import datetime
import logging
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from alongside.accounts.models import User
from alongside.accounts.selectors import role_holders
from alongside.core.actor import Actor, Role
from alongside.core.api import ApiError
from alongside.core.audit import audit_record
from alongside.core.realtime import event_publish
from alongside.notifications.services import notify
from alongside.safety.detection import LEVELS, level_rank
from alongside.safety.models import (
    Case,
    CaseEvent,
    CaseNote,
    Level,
    OnCall,
    RiskEvent,
    RiskLabel,
    SafetySettings,
)

log = logging.getLogger(__name__)

#: Realtime event type for everyone who watches the queue.
EVENT_CASE = "safety.case"
#: Levels that open a case.
CASE_LEVELS = (Level.HIGH.value, Level.IMMINENT.value)
#: 0: on-call responders; 1: every responder; 2: responders and administrators.
TOP_TIER = 2
#: A person is sent at most one unsolicited caring message in this window.
OUTREACH_WINDOW = datetime.timedelta(days=7)
NOTE_MAX = 4000
MESSAGE_MAX = 1000
ON_CALL_MAX_HOURS = 24 * 7
ESCALATION_BATCH = 100
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def ack_interval(level: str) -> datetime.timedelta:
    """How long a case of ``level`` may wait for an acknowledgement before it escalates."""
    seconds = (
        settings.CRISIS_ACK_SECONDS if level == Level.IMMINENT else settings.CRISIS_HIGH_ACK_SECONDS
    )
    return datetime.timedelta(seconds=max(1, int(seconds)))


def clean_note(value: Any, *, field: str, max_length: int, required: bool) -> str:
    """Text as people type it: line endings normalised, control and direction characters
    dropped (they are used to disguise text), surrounding space trimmed."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ApiError(422, _("Write this as text."), "invalid", field)
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    value = _CONTROL.sub("", value).strip()
    if required and not value:
        raise ApiError(422, _("This cannot be empty."), "required", field)
    if len(value) > max_length:
        raise ApiError(
            422,
            _("Please keep this under %(n)d characters.") % {"n": max_length},
            "too_long",
            field,
        )
    return value


# --- who watches the queue -------------------------------------------------------------------


def _holders(role: Role) -> set[int]:
    """Active people holding ``role`` site-wide, with the role in effect (MFA on when needed)."""
    return role_holders([role.value])


def responder_ids() -> set[int]:
    return _holders(Role.CRISIS_RESPONDER)


def admin_ids() -> set[int]:
    return _holders(Role.ADMIN)


def on_call_ids(*, now: datetime.datetime | None = None, among: Iterable[int] = ()) -> set[int]:
    now = now or timezone.now()
    rows = OnCall.objects.filter(since__lte=now).filter(Q(until__isnull=True) | Q(until__gt=now))
    ids = set(rows.values_list("user_id", flat=True))
    return ids & set(among)


def tier_recipients(tier: int, *, now: datetime.datetime | None = None) -> set[int]:
    """Who is alerted at ``tier``; never nobody while anyone can answer."""
    responders = responder_ids()
    if tier >= TOP_TIER:
        return responders | admin_ids()
    if tier == 0:
        on_call = on_call_ids(now=now, among=responders)
        if on_call:
            return on_call
    return responders or admin_ids()


def queue_watchers() -> set[int]:
    """Everyone who can open the queue hears of every change to it."""
    return responder_ids() | admin_ids()


def _case_url(case: Case) -> str:
    return reverse("safety:case-detail", args=[case.pk])


def _publish(case: Case, action: str, *, watchers: set[int] | None = None) -> None:
    """A small event for every queue page: no name and no words, the page fetches the rest."""
    data = {"case_id": case.pk, "action": action, "level": case.level, "url": _case_url(case)}
    for user_id in sorted((queue_watchers() if watchers is None else watchers) - {case.person_id}):
        event_publish(user_id=user_id, type=EVENT_CASE, data=data)


def _alert(
    case: Case,
    *,
    tier: int,
    message: str,
    also: Iterable[int] = (),
    now: datetime.datetime | None = None,
) -> list[int]:
    """Notify the people of ``tier`` (and ``also``); pushed through quiet hours. A responder
    is never alerted about their own case (nor handles it): when that leaves nobody, every
    other responder and administrator is alerted."""
    recipients = (tier_recipients(tier, now=now) | set(also)) - {case.person_id}
    if not recipients:
        recipients = queue_watchers() - {case.person_id}
    data = {
        "message": message,
        "case_id": case.pk,
        "level": case.level,
        "escalated": message == "case_escalated",
        "url": _case_url(case),
    }
    for user_id in sorted(recipients):
        notify(user_id=user_id, kind="safety", data=data, urgent=True)
    return sorted(recipients)


# --- opening and updating -------------------------------------------------------------------


def case_open_or_update(
    *,
    person_id: int,
    level: str,
    source: str,
    evidence: dict[str, Any] | None = None,
    now: datetime.datetime | None = None,
) -> tuple[Case, bool]:
    """The person's open case, opened or updated with new evidence; (case, opened).

    Runs inside the caller's transaction (the write that found the risk), so a rolled-back
    post opens nothing and alerts nobody. Raising the level of an acknowledged case makes it
    wait for a responder again: the situation changed since someone looked.
    """
    if level not in CASE_LEVELS:
        raise ValueError(f"cases open at high or imminent, not {level!r}")
    if source not in Case.Source.values:
        raise ValueError(f"unknown case source {source!r}")
    now = now or timezone.now()
    rank = level_rank(level)
    evidence = dict(evidence or {})
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(person_id=person_id, status="open").first()
        if case is None:
            try:
                with transaction.atomic():  # a savepoint: a racing open of the same person wins
                    case = Case.objects.create(
                        person_id=person_id,
                        level=level,
                        priority=rank,
                        sources=[source],
                        first_detected_at=now,
                        waiting_since=now,
                        last_activity_at=now,
                        next_escalation_at=now + ack_interval(level),
                        created_at=now,
                    )
            except IntegrityError:
                case = Case.objects.select_for_update().get(person_id=person_id, status="open")
            else:
                CaseEvent.objects.create(
                    case=case,
                    kind=CaseEvent.Kind.OPENED,
                    data={"source": source, "level": level, **evidence},
                    created_at=now,
                )
                alerted = _alert(case, tier=0, message="case_new", now=now)
                _publish(case, "opened")
                log.info("safety case opened case=%s level=%s alerted=%s", case.pk, level, alerted)
                return case, True
        _update(case, level=level, rank=rank, source=source, evidence=evidence, now=now)
    return case, False


def _update(
    case: Case, *, level: str, rank: int, source: str, evidence: dict[str, Any], now: Any
) -> None:
    fields = ["last_activity_at"]
    case.last_activity_at = now
    new_source = source not in case.sources
    if new_source:
        case.sources = [*case.sources, source]
        fields.append("sources")
    raised = rank > case.priority
    previous_responder = None
    if raised:
        case.level, case.priority = level, rank
        fields += ["level", "priority"]
        if case.acknowledged_at is not None:
            previous_responder = case.acknowledged_by_id
            case.acknowledged_at = None
            case.acknowledged_by = None
            case.waiting_since = now
            case.escalation_level = 0
            case.next_escalation_at = now + ack_interval(level)
            fields += [
                "acknowledged_at",
                "acknowledged_by",
                "waiting_since",
                "escalation_level",
                "next_escalation_at",
            ]
        else:
            # Waiting at `high` already counts towards the shorter `imminent` deadline.
            due = max(now, case.waiting_since + ack_interval(level))
            if case.next_escalation_at is None or due < case.next_escalation_at:
                case.next_escalation_at = due
                fields.append("next_escalation_at")
    case.save(update_fields=fields)
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.LEVEL_RAISED if raised else CaseEvent.Kind.EVIDENCE,
        data={"source": source, "level": level, **evidence},
        created_at=now,
    )
    asked = new_source and source == Case.Source.ASKED
    if raised or asked:
        also = [previous_responder] if previous_responder else []
        _alert(case, tier=case.escalation_level, message="case_new", also=also, now=now)
    _publish(case, "updated")


# --- escalation -------------------------------------------------------------------------------


def cases_escalate_due(*, now: datetime.datetime | None = None) -> int:
    """Escalate every open, unacknowledged case whose deadline has passed; returns how many.

    Safe with any number of workers: rows another worker holds are skipped (PostgreSQL), and
    each step is claimed by a conditional update on the state that was read, so a case is
    escalated once per deadline however many workers run at once.
    """
    now = now or timezone.now()
    escalated = 0
    for _round in range(1000):  # a bound, not a schedule: each round claims or ends
        with transaction.atomic():
            due = list(
                Case.objects.select_for_update(skip_locked=True)
                .filter(status="open", acknowledged_at__isnull=True, next_escalation_at__lte=now)
                .order_by("next_escalation_at", "pk")[:ESCALATION_BATCH]
            )
            for case in due:
                tier = min(case.escalation_level + 1, TOP_TIER)
                claimed = Case.objects.filter(
                    pk=case.pk,
                    status="open",
                    acknowledged_at__isnull=True,
                    escalation_level=case.escalation_level,
                    next_escalation_at=case.next_escalation_at,
                ).update(
                    escalation_level=tier,
                    next_escalation_at=now + ack_interval(case.level),
                    last_escalated_at=now,
                )
                if not claimed:
                    continue
                case.escalation_level = tier
                waiting = int((now - case.waiting_since).total_seconds())
                CaseEvent.objects.create(
                    case=case,
                    kind=CaseEvent.Kind.ESCALATED,
                    data={"tier": tier, "waiting_seconds": waiting},
                    created_at=now,
                )
                recipients = _alert(case, tier=tier, message="case_escalated", now=now)
                _publish(case, "escalated")
                audit_record(
                    actor_id=None,
                    action="safety.case.escalate",
                    target_type="safety_case",
                    target_id=case.pk,
                    data={"tier": tier, "waiting_seconds": waiting, "alerted": len(recipients)},
                )
                escalated += 1
        if len(due) < ESCALATION_BATCH:
            break
    if escalated:
        log.warning("safety cases escalated count=%s", escalated)
    return escalated


# --- responders' actions ---------------------------------------------------------------------


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _require_open(case: Case) -> None:
    if case.status != Case.Status.OPEN:
        raise ApiError(409, _("This case is closed."), "closed")


def _acknowledge(case: Case, *, actor: Actor, now: datetime.datetime) -> None:
    case.acknowledged_at = now
    case.acknowledged_by_id = actor.user_id
    if case.ack_seconds is None:
        case.ack_seconds = max(0, int((now - case.waiting_since).total_seconds()))
    case.next_escalation_at = None
    case.save(
        update_fields=["acknowledged_at", "acknowledged_by", "ack_seconds", "next_escalation_at"]
    )
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.ACKNOWLEDGED,
        actor_id=actor.user_id,
        data={"seconds": int((now - case.waiting_since).total_seconds())},
        created_at=now,
    )
    audit_record(
        actor_id=actor.user_id,
        action="safety.case.acknowledge",
        target_type="safety_case",
        target_id=case.pk,
        data={"level": case.level, "ack_seconds": case.ack_seconds},
    )


def case_acknowledge(*, actor: Actor, case: Case, now: datetime.datetime | None = None) -> Case:
    """A responder takes the case: escalation stops. Acknowledging twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        _require_open(case)
        if case.acknowledged_at is None:
            _acknowledge(case, actor=actor, now=now)
            _publish(case, "acknowledged")
    return case


def case_note_add(
    *, actor: Actor, case: Case, text: Any, now: datetime.datetime | None = None
) -> CaseNote:
    """A responder's note, encrypted with the key of the person the case is about."""
    text = clean_note(text, field="text", max_length=NOTE_MAX, required=True)
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        note = CaseNote.objects.create(
            case=case,
            person_id=case.person_id,
            author_id=actor.user_id,
            kind=CaseNote.Kind.NOTE,
            text=text,
            created_at=now,
        )
        CaseEvent.objects.create(
            case=case, kind=CaseEvent.Kind.NOTE, actor_id=actor.user_id, created_at=now
        )
        audit_record(
            actor_id=actor.user_id,
            action="safety.case.note",
            target_type="safety_case",
            target_id=case.pk,
        )
    return note


def _gold_level(case: Case, outcome: str, level: Any) -> str:
    """The level a responder's outcome implies for evaluation: a false alarm was below
    ``high``; any other outcome confirms ``high`` or above. A responder may name the level;
    without one, a false alarm counts as ``moderate`` (the highest level below ``high``, so
    the ``high`` threshold is scored exactly) and any other outcome as the case's level."""
    false_alarm = outcome == Case.Outcome.FALSE_ALARM
    if level is None or level == "":
        return Level.MODERATE.value if false_alarm else case.level
    if not isinstance(level, str) or level not in LEVELS:
        raise ApiError(422, _("Unknown level."), "invalid", "level")
    below_high = level_rank(level) < level_rank(Level.HIGH)
    if false_alarm and not below_high:
        raise ApiError(422, _("A false alarm means the risk was below high."), "invalid", "level")
    if not false_alarm and below_high:
        raise ApiError(
            422,
            _("This outcome means the risk was high or above; choose “false alarm” otherwise."),
            "invalid",
            "level",
        )
    return level


def case_resolve(
    *,
    actor: Actor,
    case: Case,
    outcome: Any,
    note: Any = "",
    level: Any = None,
    now: datetime.datetime | None = None,
) -> Case:
    """Close the case with an outcome, and store the outcome as a label on each of its risk
    events (the engine's level next to the human judgement) for evaluation."""
    if not isinstance(outcome, str) or outcome not in Case.Outcome.values:
        raise ApiError(
            422,
            _("Choose an outcome: %s") % ", ".join(Case.Outcome.values),
            "invalid",
            "outcome",
        )
    note = clean_note(note, field="note", max_length=NOTE_MAX, required=False)
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        _require_open(case)
        gold = _gold_level(case, outcome, level)
        if case.acknowledged_at is None:
            _acknowledge(case, actor=actor, now=now)
        case.status = Case.Status.CLOSED
        case.outcome = outcome
        case.closed_at = now
        case.closed_by_id = actor.user_id
        case.next_escalation_at = None
        case.save(
            update_fields=["status", "outcome", "closed_at", "closed_by", "next_escalation_at"]
        )
        if note:
            CaseNote.objects.create(
                case=case,
                person_id=case.person_id,
                author_id=actor.user_id,
                kind=CaseNote.Kind.RESOLUTION,
                text=note,
                created_at=now,
            )
        events = list(
            RiskEvent.objects.filter(case=case).values_list("pk", "level", "engine_version")
        )
        RiskLabel.objects.bulk_create(
            [
                RiskLabel(
                    risk_event_id=pk,
                    case=case,
                    engine_level=engine_level,
                    engine_version=version,
                    level=gold,
                    outcome=outcome,
                    labelled_by_id=actor.user_id,
                    created_at=now,
                )
                for pk, engine_level, version in events
            ],
            ignore_conflicts=True,
        )
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.RESOLVED,
            actor_id=actor.user_id,
            data={"outcome": outcome, "level": gold, "labels": len(events)},
            created_at=now,
        )
        audit_record(
            actor_id=actor.user_id,
            action="safety.case.resolve",
            target_type="safety_case",
            target_id=case.pk,
            data={"outcome": outcome, "level": gold},
        )
        _publish(case, "closed")
    return case


def outreach_blocker(*, case: Case, now: datetime.datetime | None = None) -> tuple[str, str] | None:
    """Why a caring message cannot be sent now, as (code, sentence), or None.

    A person who asked to talk to someone may always be answered. Otherwise (Reddit's lesson:
    "someone is worried about you" messages were used to harass) a person receives at most one
    a week, and none once they opted out.
    """
    if Case.Source.ASKED in case.sources:
        return None
    now = now or timezone.now()
    settings_row = SafetySettings.objects.filter(user_id=case.person_id).first()
    if settings_row is not None and not settings_row.concern_outreach:
        return "opted_out", _("This person has chosen not to receive these messages.")
    recent = CaseEvent.objects.filter(
        case__person_id=case.person_id,
        kind=CaseEvent.Kind.OUTREACH,
        created_at__gt=now - OUTREACH_WINDOW,
    ).exists()
    if recent:
        return "too_soon", _("This person already received a caring message in the last 7 days.")
    return None


def case_outreach(
    *, actor: Actor, case: Case, message: Any = "", now: datetime.datetime | None = None
) -> CaseEvent:
    """Send the person a caring message (a notification that opens their "talk to someone"
    page, with the responder's words there if any). Never names who was worried."""
    message = clean_note(message, field="message", max_length=MESSAGE_MAX, required=False)
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        _require_open(case)
        # The person's open case is locked: two responders cannot both pass this check.
        blocked = outreach_blocker(case=case, now=now)
        if blocked is not None:
            code, detail = blocked
            raise ApiError(409, detail, code)
        note = None
        if message:
            note = CaseNote.objects.create(
                case=case,
                person_id=case.person_id,
                author_id=actor.user_id,
                kind=CaseNote.Kind.OUTREACH,
                text=message,
                created_at=now,
            )
        event = CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.OUTREACH,
            actor_id=actor.user_id,
            data={"with_message": note is not None},
            created_at=now,
        )
        notify(
            user_id=case.person_id,
            kind="safety",
            data={"message": "caring", "url": reverse("safety:talk")},
        )
        audit_record(
            actor_id=actor.user_id,
            action="safety.case.outreach",
            target_type="safety_case",
            target_id=case.pk,
        )
    return event


# --- on call ----------------------------------------------------------------------------------


def on_call_set(
    *,
    actor: Actor,
    on: bool,
    hours: int | None = None,
    now: datetime.datetime | None = None,
) -> OnCall | None:
    """Start or end the actor's on-call time; open-ended unless ``hours`` is given."""
    if actor.user_id is None:
        raise ApiError(401, _("Sign in to do this."), "not_authenticated")
    if hours is not None and (
        isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= ON_CALL_MAX_HOURS
    ):
        raise ApiError(
            422,
            _("Choose between 1 and %(n)d hours.") % {"n": ON_CALL_MAX_HOURS},
            "invalid",
            "hours",
        )
    now = now or timezone.now()
    until = now + datetime.timedelta(hours=hours) if hours else None
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.user_id).first()  # one toggle at a time
        active = OnCall.objects.filter(user_id=actor.user_id, since__lte=now).filter(
            Q(until__isnull=True) | Q(until__gt=now)
        )
        row: OnCall | None = None
        if on:
            row = active.order_by("-since").first()
            if row is None:
                row = OnCall.objects.create(user_id=actor.user_id, since=now, until=until)
            elif row.until != until:
                row.until = until
                row.save(update_fields=["until"])
            active.exclude(pk=row.pk).update(until=now)
        else:
            active.update(until=now)
        audit_record(
            actor_id=actor.user_id,
            action="safety.on_call",
            data={"on": on, "hours": hours},
        )
    return row


def case_view_record(*, actor: Actor, case: Case) -> None:
    """Reading a case is reading private data about a person (and may show who wrote an
    anonymous post): every reading is audited."""
    audit_record(
        actor_id=actor.user_id,
        action="safety.case.view",
        target_user_id=case.person_id,
        reason="crisis case review",
        data={"case_id": case.pk},
    )
