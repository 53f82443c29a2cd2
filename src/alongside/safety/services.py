"""Writes of safety data. Each function is one transaction (``assess_and_record`` joins the
caller's). The crisis queue's own writes live in ``alongside.safety.cases``."""

from __future__ import annotations

import datetime
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from alongside.accounts.models import User
from alongside.core.actor import Actor
from alongside.core.api import ApiError
from alongside.core.content_warnings import TOPICS, Topic
from alongside.safety.cases import MESSAGE_MAX, case_open_or_update, clean_note
from alongside.safety.detection import RiskResult, assess
from alongside.safety.evidence import spans_of, text_digest
from alongside.safety.models import (
    Case,
    CaseNote,
    Concern,
    Level,
    RiskEvent,
    SafetyPlan,
    SafetySettings,
)
from alongside.safety.plan import SECTION_KEYS, SECTION_MAX_LENGTH
from alongside.safety.support import support_for

log = logging.getLogger(__name__)


def _clean_sections(sections: Mapping[str, str | None]) -> dict[str, str]:
    unknown = sorted(set(sections) - set(SECTION_KEYS))
    if unknown:
        raise ApiError(422, _("This is not a section of the safety plan."), "invalid", unknown[0])
    cleaned: dict[str, str] = {}
    for key in SECTION_KEYS:
        value = sections.get(key) or ""
        if not isinstance(value, str):
            raise ApiError(422, _("Write this section as text."), "invalid", key)
        # Normalise line endings so the same plan typed on any device reads the same.
        value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        if len(value) > SECTION_MAX_LENGTH:
            raise ApiError(
                422,
                _("Please keep each section under %(limit)d characters.")
                % {"limit": SECTION_MAX_LENGTH},
                "too_long",
                key,
            )
        cleaned[key] = value
    return cleaned


def safety_plan_save(*, user_id: int, sections: Mapping[str, str | None]) -> SafetyPlan:
    """Replace the person's whole plan (sections left out become empty).

    Not audited: it is the owner editing their own private text. The text is never logged;
    it is encrypted with the owner's key when the row is saved.
    """
    cleaned = _clean_sections(sections)
    with transaction.atomic():
        plan, _created = SafetyPlan.objects.get_or_create(user_id=user_id)
        plan = SafetyPlan.objects.select_for_update().get(pk=plan.pk)
        for key, value in cleaned.items():
            setattr(plan, key, value)
        plan.save()
    return plan


# --- the entry point for text ----------------------------------------------------------------

#: Where a piece of text was written (API.md: risk engine surfaces).
SURFACES = ("post", "reply", "chat", "journal", "companion", "draft")

#: Engine categories that name a content-warning topic (core.content_warnings).
_CATEGORY_TOPICS = {
    "suicidal_ideation": Topic.SUICIDE,
    "plan_means_timeline": Topic.SUICIDE,
    "preparatory_acts": Topic.SUICIDE,
    "past_attempt": Topic.SUICIDE,
    "self_harm": Topic.SELF_HARM,
    "eating_disorder": Topic.EATING_DISORDERS,
    "substance_crisis": Topic.SUBSTANCE_USE,
    "abuse_danger": Topic.ABUSE,
}


@dataclass(frozen=True)
class Assessment:
    """What the risk engine concluded about one text (API.md "Risk levels")."""

    level: str = "none"
    score: float = 0.0
    subject: str = "unknown"
    categories: tuple[str, ...] = ()
    #: What to show the writer at once (hotlines, safety plan, grounding, a person), or None.
    support: dict[str, Any] | None = None
    #: Add an automatic content warning (the post stays visible).
    content_warning_topics: tuple[str, ...] = ()
    #: Hold the text for review (it contains method details).
    hold: bool = False
    engine_version: str = "passthrough-0"
    #: The stored risk event and the case it joined (internal: never shown to the writer).
    risk_event_id: int | None = None
    case_id: int | None = None
    rules: tuple[str, ...] = field(default_factory=tuple)


NO_RISK = Assessment()


def _warning_topics(result: RiskResult) -> tuple[str, ...]:
    wanted = {_CATEGORY_TOPICS[c].value for c in result.categories if c in _CATEGORY_TOPICS}
    if not wanted:
        wanted = {Topic.SUICIDE.value}
    return tuple(t for t in TOPICS if t in wanted)


def _support(actor: Actor, result: RiskResult) -> dict[str, Any] | None:
    """The writer's support payload. A crisis path never fails the write: should the payload
    fail, the writer still gets the minimal one (level and subject lead to the help page)."""
    try:
        with transaction.atomic():  # a savepoint: a failed query does not poison the write
            return support_for(user_id=actor.user_id, result=result)
    except Exception:
        log.exception("support payload failed; minimal payload used")
        return {"level": result.level, "subject": result.subject, "hotlines": []}


def assess_and_record(
    *,
    actor: Actor,
    surface: str,
    text: str,
    lang: str | None = None,
    object_type: str = "",
    object_id: int | str | None = None,
) -> Assessment:
    """The one entry point through which every app hands text to safety.

    Called from the owning app's service inside its write transaction, after the row exists
    (``object_type``/``object_id`` name it), so a case opened here commits or rolls back with
    the write. At ``low`` and above the writer gets support and a risk event is stored (never
    for drafts: a draft check stores nothing); at ``high`` and above the text gets an automatic
    content warning and the writer's open case is opened or updated. Someone writing about
    another person (subject ``other``) gets help for helping them; only an ``imminent``
    situation about someone else puts the writer in the queue, at ``high`` (decision 0012).
    """
    if surface not in SURFACES:
        raise ValueError(f"unknown surface {surface!r}")
    result = assess(text, lang=lang, surface=surface)
    rules = tuple(dict.fromkeys(ev.rule for ev in result.evidence))
    if not result.at_least(Level.LOW):
        return Assessment(
            level=result.level,
            score=result.score,
            subject=result.subject,
            categories=tuple(result.categories),
            hold=result.method_detail,
            engine_version=result.version,
            rules=rules,
        )
    support = _support(actor, result)
    topics = _warning_topics(result) if result.at_least(Level.HIGH) else ()
    event_id = case_id = None
    if surface != "draft" and actor.user_id is not None:
        with transaction.atomic():
            event = RiskEvent.objects.create(
                user_id=actor.user_id,
                surface=surface,
                object_type=object_type[:20],
                object_id="" if object_id is None else str(object_id)[:64],
                level=result.level,
                score=float(result.score),
                subject=result.subject,
                categories=list(result.categories),
                rules=list(rules),
                spans=spans_of(text, result),
                text_digest=text_digest(text),
                text_length=len(text),
                engine_version=result.version[:40],
            )
            event_id = event.pk
            case = _case_for(actor.user_id, result, event, surface=surface)
            if case is not None:
                event.case = case
                event.save(update_fields=["case"])
                case_id = case.pk
    return Assessment(
        level=result.level,
        score=result.score,
        subject=result.subject,
        categories=tuple(result.categories),
        support=support,
        content_warning_topics=topics,
        hold=result.method_detail,
        engine_version=result.version,
        risk_event_id=event_id,
        case_id=case_id,
        rules=rules,
    )


def _case_for(user_id: int, result: RiskResult, event: RiskEvent, *, surface: str) -> Case | None:
    if not result.at_least(Level.HIGH):
        return None
    evidence = {
        "risk_event_id": event.pk,
        "surface": surface,
        "object_type": event.object_type,
        "object_id": event.object_id,
    }
    if result.subject == "other":
        if result.level != Level.IMMINENT:
            return None
        level, source = Level.HIGH.value, Case.Source.SOMEONE_ELSE.value
    else:
        level, source = result.level, Case.Source.RISK.value
    case, _opened = case_open_or_update(
        person_id=user_id, level=level, source=source, evidence=evidence
    )
    return case


# --- "worried about someone" -----------------------------------------------------------------

#: Per reporter: (window, most concerns in it). Counted in the database, every attempt alike.
CONCERN_LIMITS: tuple[tuple[datetime.timedelta, int], ...] = (
    (datetime.timedelta(hours=1), 5),
    (datetime.timedelta(days=1), 20),
)
CONCERN_TARGETS = ("post", "user")
USERNAME_MAX = 150


def concern_retry_after(*, reporter_id: int, now: datetime.datetime | None = None) -> int | None:
    """Seconds until the reporter may raise another concern, or None when they may now."""
    now = now or timezone.now()
    for window, limit in CONCERN_LIMITS:
        times = list(
            Concern.objects.filter(reporter_id=reporter_id, created_at__gt=now - window)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:limit]
        )
        if len(times) >= limit:
            return max(1, math.ceil((times[-1] + window - now).total_seconds()))
    return None


def _clean_target(target_type: Any, target_id: Any) -> tuple[str, str]:
    if target_type not in CONCERN_TARGETS:
        raise ApiError(
            422, _("Say whether this is about a post or a person."), "invalid", "target_type"
        )
    if target_type == "post":
        text = str(target_id).strip() if isinstance(target_id, int | str) else ""
        if (
            isinstance(target_id, bool)
            or not text.isascii()
            or not text.isdigit()
            or len(text) > 18
        ):
            raise ApiError(422, _("A post is named by its number."), "invalid", "target_id")
        return target_type, str(int(text))
    if not isinstance(target_id, str) or not 0 < len(target_id.strip()) <= USERNAME_MAX:
        raise ApiError(422, _("A person is named by their username."), "invalid", "target_id")
    return target_type, target_id.strip()


def _concern_person(actor: Actor, target_type: str, target_id: str) -> int | None:
    """Whom the concern is about, if the reporter can see the target; otherwise None. An
    anonymous post's author is found here and never told to the reporter."""
    if target_type == "post":
        from alongside.communities import access as community_access

        try:
            post, _place = community_access.get_post_for(actor, int(target_id))
        except Http404:
            return None
        if post.status not in ("visible", "held"):
            return None
        return post.author_id
    found = (
        User.objects.filter(username__iexact=target_id, is_active=True)
        .values_list("pk", flat=True)
        .first()
    )
    return int(found) if found is not None else None


def concern_create(
    *,
    actor: Actor,
    target_type: Any,
    target_id: Any,
    note: Any = "",
    now: datetime.datetime | None = None,
) -> Concern:
    """Raise a concern. The reporter's answer is the same whether or not the target exists or
    is visible to them; the concern goes to responders as a case about the person (at ``high``,
    ``imminent`` when the note says so), never automatically to the person."""
    if actor.user_id is None:
        raise ApiError(401, _("Sign in to do this."), "not_authenticated")
    target_type, target_id = _clean_target(target_type, target_id)
    note = clean_note(note, field="note", max_length=MESSAGE_MAX, required=False)
    now = now or timezone.now()
    with transaction.atomic():
        # One concern at a time per reporter, so the limit cannot be raced past.
        User.objects.select_for_update().filter(pk=actor.user_id).first()
        retry = concern_retry_after(reporter_id=actor.user_id, now=now)
        if retry is not None:
            raise ApiError(
                429,
                _(
                    "You have raised several concerns recently. Please wait a while before "
                    "raising another. If someone is in danger now, call your local emergency "
                    "number."
                ),
                "rate_limited",
                headers={"Retry-After": str(retry)},
            )
        person_id = _concern_person(actor, target_type, target_id)
        concern = Concern(
            reporter_id=actor.user_id,
            person_id=person_id,
            target_type=target_type,
            target_id=target_id,
            created_at=now,
        )
        if person_id is not None and note:
            concern.note = note
        concern.save()
        if person_id is not None:
            level = Level.HIGH.value
            if note and assess(note, surface="post").at_least(Level.IMMINENT):
                level = Level.IMMINENT.value
            case, _opened = case_open_or_update(
                person_id=person_id,
                level=level,
                source=Case.Source.CONCERN.value,
                evidence={
                    "concern_id": str(concern.pk),
                    "target_type": target_type,
                    "target_id": target_id,
                },
                now=now,
            )
            concern.case = case
            concern.save(update_fields=["case"])
    log.info("safety concern recorded target_type=%s", target_type)
    return concern


def concern_support(*, actor: Actor) -> dict[str, Any] | None:
    """What a worried reporter is shown: ways to help someone, and crisis lines for their own
    place (they may call for advice too)."""
    helping = RiskResult(level=Level.HIGH.value, subject="other")
    return _support(actor, helping)


# --- asking for a person ---------------------------------------------------------------------


def talk_request(*, actor: Actor, message: Any = "", now: datetime.datetime | None = None) -> Case:
    """A member asks for a human: their case opens (or is updated) at ``high`` with source
    "asked". Never rate-limited: it is a crisis path; asking again joins the same case."""
    if actor.user_id is None:
        raise ApiError(401, _("Sign in to do this."), "not_authenticated")
    message = clean_note(message, field="message", max_length=MESSAGE_MAX, required=False)
    now = now or timezone.now()
    with transaction.atomic():
        case, _opened = case_open_or_update(
            person_id=actor.user_id,
            level=Level.HIGH.value,
            source=Case.Source.ASKED.value,
            evidence={"asked": True},
            now=now,
        )
        if message:
            CaseNote.objects.create(
                case=case,
                person_id=actor.user_id,
                author_id=actor.user_id,
                kind=CaseNote.Kind.MEMBER,
                text=message,
                created_at=now,
            )
    return case


def safety_settings_save(*, user_id: int, concern_outreach: bool) -> SafetySettings:
    """The person's own choice; takes effect at once (no audit: their own setting)."""
    if not isinstance(concern_outreach, bool):
        raise ApiError(422, _("Choose yes or no."), "invalid", "concern_outreach")
    with transaction.atomic():
        row, _created = SafetySettings.objects.select_for_update().get_or_create(user_id=user_id)
        if row.concern_outreach != concern_outreach:
            row.concern_outreach = concern_outreach
            row.save(update_fields=["concern_outreach", "updated_at"])
    return row
