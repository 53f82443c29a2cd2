"""Reads of safety data: a person's own (safety plan, settings, messages from the support
team), and the crisis queue for responders (cases come through ``access``; lists are bounded
in queries, whatever their length)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import Count, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from alongside.communities.models import Post
from alongside.communities.models import Status as PostStatus
from alongside.core.actor import Actor
from alongside.core.pagination import cursor_decode, cursor_encode
from alongside.safety import support
from alongside.safety.cases import ack_interval, outreach_blocker
from alongside.safety.directory import DIRECTORY, Hotline
from alongside.safety.evidence import highlight, post_text, text_digest
from alongside.safety.models import (
    Case,
    CaseEvent,
    CaseNote,
    Concern,
    Level,
    OnCall,
    RiskEvent,
    RiskLabel,
    SafetyPlan,
    SafetySettings,
)
from alongside.safety.plan import SECTION_KEYS


def support_session_fields(payload: Any) -> dict[str, Any]:
    """What another app's page may keep to show the support panel once after a redirect
    (level, subject, country, plan existence), never the text (``support.session_fields``)."""
    return support.session_fields(payload)


def support_panel(stored: Any, *, young: bool = False) -> dict[str, Any] | None:
    """The support panel's payload, rebuilt without I/O in the current language from what
    the page kept (``support.support_panel``)."""
    return support.support_panel(stored, young=young)


def safety_plan_get(*, actor: Actor) -> SafetyPlan | None:
    """The actor's own plan, or None. There is no way to ask for someone else's."""
    if actor.user_id is None:
        return None
    return SafetyPlan.objects.filter(user_id=actor.user_id).first()


def safety_plan_sections(plan: SafetyPlan | None) -> dict[str, str]:
    """Every section as text; a missing plan or section reads as empty."""
    return {key: str(getattr(plan, key) or "") if plan else "" for key in SECTION_KEYS}


def safety_plan_exists(*, actor: Actor) -> bool:
    if actor.user_id is None:
        return False
    return SafetyPlan.objects.filter(user_id=actor.user_id).exists()


def hotlines_for_young_people() -> list[Hotline]:
    """Lines for children and young people, from the directory (no database involved)."""
    return DIRECTORY.for_young_people()


def safety_settings_get(*, user_id: int) -> SafetySettings:
    """The person's settings; an unsaved default object when they never changed any."""
    return SafetySettings.objects.filter(user_id=user_id).first() or SafetySettings(user_id=user_id)


def on_call_get(*, user_id: int, now: datetime.datetime | None = None) -> OnCall | None:
    """The responder's current on-call time, or None."""
    now = now or timezone.now()
    return (
        OnCall.objects.filter(user_id=user_id, since__lte=now)
        .filter(Q(until__isnull=True) | Q(until__gt=now))
        .order_by("-since")
        .first()
    )


# --- the queue -------------------------------------------------------------------------------

QUEUE_PAGE = 50
EVIDENCE_MAX = 50
RECENT_POSTS = 10
PRIOR_CASES = 10
NOTES_MAX = 200
TIMELINE_MAX = 100
_SIGNALS = (CaseEvent.Kind.OPENED, CaseEvent.Kind.EVIDENCE, CaseEvent.Kind.LEVEL_RAISED)


def level_label(level: str) -> str:
    try:
        return str(Level(level).label)
    except ValueError:
        return level


def source_labels(sources: list[str]) -> list[str]:
    labels = dict(Case.Source.choices)
    return [str(labels.get(s, s)) for s in sources]


def _queue(viewer_id: int | None) -> QuerySet[Any]:
    """Open cases with ``acked`` (0/1, for ordering) and ``signals`` annotated; never the
    viewer's own case (``access.get_case_for``)."""
    return (
        Case.objects.filter(status=Case.Status.OPEN)
        .exclude(person_id=viewer_id)
        .annotate(
            acked=SqlCase(
                When(acknowledged_at__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            signals=Count("events", filter=Q(events__kind__in=_SIGNALS)),
        )
        .select_related("person", "acknowledged_by")
    )


def case_item(case: Case, *, now: datetime.datetime) -> dict[str, Any]:
    """A case as the queue shows it: urgency and timers, no name and no words (the case page,
    whose every reading is audited, shows who and why)."""
    waiting_since = case.waiting_since
    acknowledged = case.acknowledged_at is not None
    due_at = None if acknowledged else waiting_since + ack_interval(case.level)
    person = case.person
    return {
        "id": case.pk,
        "url": reverse("safety:case-detail", args=[case.pk]),
        "status": case.status,
        "level": case.level,
        "level_label": level_label(case.level),
        "sources": list(case.sources),
        "source_labels": source_labels(list(case.sources)),
        "signals": int(getattr(case, "signals", 0) or 0),
        "teen": bool(person is not None and person.age_band == "teen"),
        "first_detected_at": case.first_detected_at,
        "waiting_since": waiting_since,
        "waiting_seconds": max(0, int((now - waiting_since).total_seconds())),
        "due_at": due_at,
        "overdue": due_at is not None and due_at <= now,
        "acknowledged": acknowledged,
        "acknowledged_at": case.acknowledged_at,
        "acknowledged_by": case.acknowledged_by.public_name if case.acknowledged_by else None,
        "ack_seconds": case.ack_seconds,
        "escalation_level": case.escalation_level,
        "last_activity_at": case.last_activity_at,
        "outcome": case.outcome or None,
        "closed_at": case.closed_at,
    }


def case_queue(
    *,
    viewer_id: int | None,
    cursor: str | None = None,
    limit: int = QUEUE_PAGE,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """Open cases, most urgent first: level, then those nobody has acknowledged, then the
    longest waiting. One query per page, keyset-paginated. Callers check the role."""
    now = now or timezone.now()
    limit = max(1, min(limit, QUEUE_PAGE))
    qs = _queue(viewer_id)
    after = cursor_decode(cursor, [int, int, datetime.datetime, int])
    if after is not None:
        priority, acked, waiting, last_id = after
        qs = qs.filter(
            Q(priority__lt=priority)
            | Q(priority=priority, acked__gt=acked)
            | Q(priority=priority, acked=acked, waiting_since__gt=waiting)
            | Q(priority=priority, acked=acked, waiting_since=waiting, pk__gt=last_id)
        )
    rows = list(qs.order_by("-priority", "acked", "waiting_since", "pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = cursor_encode(
            [last.priority, int(getattr(last, "acked", 0)), last.waiting_since, last.pk]
        )
    return {"items": [case_item(c, now=now) for c in rows], "next": next_cursor}


def case_counts(*, viewer_id: int | None) -> dict[str, int]:
    """Open cases, and how many wait for an acknowledgement (one query)."""
    cases = Case.objects.filter(status=Case.Status.OPEN).exclude(person_id=viewer_id)
    return cases.aggregate(
        open=Count("pk"), waiting=Count("pk", filter=Q(acknowledged_at__isnull=True))
    )


# --- one case --------------------------------------------------------------------------------


def _person(case: Case) -> dict[str, Any]:
    person = case.person
    return {
        "id": person.pk,
        "username": person.username,
        "name": person.public_name,
        "teen": person.age_band == "teen",
        "country": person.country or None,
        "locale": person.locale,
        "joined_at": person.date_joined,
        "active": person.is_active,
    }


def _post_data(post: Post | None, *, digest: str = "", spans: list[Any] | None = None) -> Any:
    """A post as evidence: its words now, highlighted where the engine matched when it still
    says what was assessed."""
    if post is None:
        return None
    thread = post.thread
    gone = post.status == "deleted" or post.author_id is None
    text = "" if gone else post_text(title=thread.title, body=post.body, is_opening=post.is_opening)
    unchanged = bool(digest) and not gone and text_digest(text) == digest
    segments = highlight(text, spans or []) if unchanged else [{"text": text, "rules": []}]
    return {
        "id": post.pk,
        "url": reverse("thread-detail", args=[post.thread_id]) + f"#post-{post.pk}",
        "thread_title": thread.title,
        "community": thread.community.name,
        "anonymous": post.anonymous,
        "status": post.status,
        "status_label": str(PostStatus(post.status).label),
        # Only a published post (or its tombstone) opens at its address for a responder; a
        # held, removed or still-waiting post is read here, in the case.
        "published": post.status in (PostStatus.VISIBLE, PostStatus.DELETED),
        "gone": gone,
        "segments": [] if gone else segments,
        "changed": bool(digest) and not gone and not unchanged,
        "created_at": post.created_at,
    }


def _posts_by_id(ids: set[int]) -> dict[int, Post]:
    if not ids:
        return {}
    return Post.objects.select_related("thread", "thread__community").in_bulk(list(ids))


def _post_id(object_type: str, object_id: str) -> int | None:
    if object_type == "post" and object_id.isascii() and object_id.isdigit():
        return int(object_id)
    return None


def case_detail(*, case: Case, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Everything a responder needs on one page, in a fixed number of queries: the evidence
    with its posts, concerns, the person's recent posts and earlier cases, notes, the
    timeline, and whether a caring message may be sent."""
    now = now or timezone.now()
    events = list(RiskEvent.objects.filter(case=case).order_by("-created_at")[:EVIDENCE_MAX])
    concerns = list(
        Concern.objects.filter(case=case)
        .select_related("reporter")
        .order_by("-created_at")[:EVIDENCE_MAX]
    )
    wanted = {pid for e in events if (pid := _post_id(e.object_type, e.object_id))}
    wanted |= {pid for c in concerns if (pid := _post_id(c.target_type, c.target_id))}
    posts = _posts_by_id(wanted)
    recent = list(
        Post.objects.filter(author_id=case.person_id)
        .select_related("thread", "thread__community")
        .order_by("-id")[:RECENT_POSTS]
    )
    prior = list(
        Case.objects.filter(person_id=case.person_id)
        .exclude(pk=case.pk)
        .order_by("-created_at")[:PRIOR_CASES]
    )
    notes = list(
        CaseNote.objects.filter(case=case)
        .select_related("author")
        .order_by("created_at")[:NOTES_MAX]
    )
    timeline = list(
        CaseEvent.objects.filter(case=case).select_related("actor").order_by("-id")[:TIMELINE_MAX]
    )
    blocker = outreach_blocker(case=case, now=now) if case.status == Case.Status.OPEN else None
    item = case_item(case, now=now)
    item["signals"] = sum(1 for e in timeline if e.kind in _SIGNALS)
    return {
        **item,
        "person": _person(case),
        "evidence": [
            {
                "id": e.pk,
                "kind": "risk",
                "level": e.level,
                "level_label": level_label(e.level),
                "score": e.score,
                "subject": e.subject,
                "surface": e.surface,
                "categories": list(e.categories),
                "rules": list(e.rules),
                "engine_version": e.engine_version,
                "created_at": e.created_at,
                "post": _post_data(
                    posts.get(_post_id(e.object_type, e.object_id) or 0),
                    digest=e.text_digest,
                    spans=e.spans,
                ),
            }
            for e in events
        ],
        "concerns": [
            {
                "id": str(c.pk),
                "target_type": c.target_type,
                "reporter": c.reporter.username if c.reporter else None,
                "note": str(c.note or ""),
                "created_at": c.created_at,
                "post": _post_data(posts.get(_post_id(c.target_type, c.target_id) or 0)),
            }
            for c in concerns
        ],
        "recent_posts": [_post_data(p) for p in recent],
        "prior_cases": [
            {
                "id": p.pk,
                "url": reverse("safety:case-detail", args=[p.pk]),
                "level": p.level,
                "level_label": level_label(p.level),
                "status": p.status,
                "outcome": p.outcome or None,
                "outcome_label": str(Case.Outcome(p.outcome).label) if p.outcome else None,
                "created_at": p.created_at,
                "closed_at": p.closed_at,
            }
            for p in prior
        ],
        "notes": [
            {
                "id": str(n.pk),
                "kind": n.kind,
                "kind_label": str(CaseNote.Kind(n.kind).label),
                "author": n.author.public_name if n.author else None,
                "text": str(n.text or ""),
                "created_at": n.created_at,
            }
            for n in notes
        ],
        "timeline": [
            {
                "kind": e.kind,
                "label": str(CaseEvent.Kind(e.kind).label),
                "actor": e.actor.public_name if e.actor else None,
                "data": _timeline_data(e.data),
                "created_at": e.created_at,
            }
            for e in timeline
        ],
        "outreach": {
            "allowed": case.status == Case.Status.OPEN and blocker is None,
            "reason": blocker[1] if blocker else None,
            "code": blocker[0] if blocker else None,
        },
        "outcome_label": str(Case.Outcome(case.outcome).label) if case.outcome else None,
    }


def _timeline_data(data: Any) -> dict[str, Any]:
    """Only the fields a timeline shows (ids of evidence stay internal)."""
    if not isinstance(data, dict):
        return {}
    keep = ("source", "level", "tier", "waiting_seconds", "seconds", "outcome", "with_message")
    return {k: data[k] for k in keep if k in data}


# --- what a person sees of their own case ----------------------------------------------------


def talk_state(*, user_id: int) -> dict[str, Any]:
    """The person's open case as they may see it (asked? seen by someone yet?) and the
    messages the support team sent them. Never a note, never who was worried about them."""
    case = Case.objects.filter(person_id=user_id, status=Case.Status.OPEN).first()
    messages = list(
        CaseNote.objects.filter(
            person_id=user_id, kind__in=[CaseNote.Kind.OUTREACH, CaseNote.Kind.MEMBER]
        )
        .select_related("author")
        .order_by("-created_at")[:20]
    )
    asked = case is not None and Case.Source.ASKED in case.sources
    return {
        "asked": asked,
        "asked_at": case.last_activity_at if asked and case else None,
        "seen": bool(asked and case and case.acknowledged_at is not None),
        "messages": [
            {
                "from_team": m.kind == CaseNote.Kind.OUTREACH,
                "author": (
                    m.author.public_name
                    if m.kind == CaseNote.Kind.OUTREACH and m.author
                    else _("Support team")
                    if m.kind == CaseNote.Kind.OUTREACH
                    else None
                ),
                "text": str(m.text or ""),
                "created_at": m.created_at,
            }
            for m in messages
        ],
    }


# --- labels for evaluation -------------------------------------------------------------------


def labelled_texts(*, batch: int = 500) -> Iterator[dict[str, Any]]:
    """``{"id", "text", "level"}`` for every outcome label whose post still says what was
    assessed, for ``alongside safety evaluate --scheme levels``. The text is read now, from
    the post: deleted, erased or edited posts are skipped (their words are not ours to keep).
    Streams in batches of ``batch`` labels (two queries each)."""
    last = 0
    while True:
        labels = list(
            RiskLabel.objects.filter(pk__gt=last, risk_event__object_type="post")
            .select_related("risk_event")
            .order_by("pk")[:batch]
        )
        if not labels:
            return
        last = labels[-1].pk
        ids = {
            pid
            for label in labels
            if (pid := _post_id(label.risk_event.object_type, label.risk_event.object_id))
        }
        posts = _posts_by_id(ids)
        for label in labels:
            event = label.risk_event
            post = posts.get(_post_id(event.object_type, event.object_id) or 0)
            if post is None or post.status == "deleted" or post.author_id is None:
                continue
            text = post_text(title=post.thread.title, body=post.body, is_opening=post.is_opening)
            if text_digest(text) != event.text_digest:
                continue
            yield {"id": f"label-{label.pk}", "text": text, "level": label.level}
