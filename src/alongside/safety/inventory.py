"""Privacy inventory entries for safety (see alongside.privacy.inventory).

What a person's export shows of the crisis queue (decision 0012): the risk the engine found
in what they wrote (levels and categories, no evidence offsets), their cases (when, how
urgent, why, the outcome), the messages between them and the support team, the concerns they
raised about others, their on-call times and settings. It does not show responders' notes
(working notes of the crisis team, which may name third parties) or who raised a concern
about them (protecting people who reach out for someone else). Erasure deletes all of it; the
notes are encrypted with the person's own key, so shredding the key makes every copy unreadable
first, backups included.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from alongside.privacy import inventory
from alongside.privacy.inventory import Erase
from alongside.safety.models import (
    Case,
    CaseEvent,
    CaseNote,
    Concern,
    OnCall,
    RiskEvent,
    RiskLabel,
    SafetyPlan,
    SafetySettings,
)
from alongside.safety.plan import SECTION_KEYS
from alongside.safety.selectors import safety_plan_sections


def _plan(user_id: int) -> list[dict[str, Any]]:
    return [
        {
            **safety_plan_sections(plan),
            "created_at": plan.created_at,
            "updated_at": plan.updated_at,
        }
        for plan in SafetyPlan.objects.filter(user_id=user_id)
    ]


def _risk_events(user_id: int) -> list[dict[str, Any]]:
    rows = (
        RiskEvent.objects.filter(user_id=user_id)
        .order_by("pk")
        .values(
            "surface",
            "object_type",
            "object_id",
            "level",
            "subject",
            "categories",
            "engine_version",
            "created_at",
        )
    )
    return [dict(row) for row in rows]


def _cases(user_id: int) -> list[dict[str, Any]]:
    rows = (
        Case.objects.filter(person_id=user_id)
        .order_by("pk")
        .values(
            "id",
            "status",
            "level",
            "sources",
            "first_detected_at",
            "acknowledged_at",
            "closed_at",
            "outcome",
        )
    )
    return [dict(row) for row in rows]


def _erase_cases(user_id: int) -> int:
    """The person's cases with their timelines and notes, and concerns raised about them."""
    concerns, _by_model = Concern.objects.filter(person_id=user_id).delete()
    deleted, _by_model = Case.objects.filter(person_id=user_id).delete()
    return concerns + deleted


#: Timeline entries a person sees of their own case: not who did what inside the team.
_OWN_TIMELINE = (
    CaseEvent.Kind.OPENED,
    CaseEvent.Kind.ACKNOWLEDGED,
    CaseEvent.Kind.OUTREACH,
    CaseEvent.Kind.RESOLVED,
)


def _case_events(user_id: int) -> list[dict[str, Any]]:
    rows = (
        CaseEvent.objects.filter(case__person_id=user_id, kind__in=_OWN_TIMELINE)
        .order_by("pk")
        .values("case_id", "kind", "created_at")
    )
    return [dict(row) for row in rows]


def _messages(user_id: int) -> list[dict[str, Any]]:
    return [
        {
            "case_id": note.case_id,
            "from": "you" if note.kind == CaseNote.Kind.MEMBER else "support_team",
            "text": str(note.text or ""),
            "created_at": note.created_at,
        }
        for note in CaseNote.objects.filter(
            person_id=user_id, kind__in=[CaseNote.Kind.MEMBER, CaseNote.Kind.OUTREACH]
        ).order_by("created_at")
    ]


def _concerns_raised(user_id: int) -> list[dict[str, Any]]:
    return [
        {
            "target_type": c.target_type,
            "target_id": c.target_id,
            "note": str(c.note or "") if c.person_id else "",
            "created_at": c.created_at,
        }
        for c in Concern.objects.filter(reporter_id=user_id).order_by("created_at")
    ]


def _erase_concerns_raised(user_id: int) -> int:
    """A concern about a real person stays with their case; who raised it and their words go.
    Concerns that found nobody (kept only to count towards the rate limit) go entirely."""
    raised = Concern.objects.filter(reporter_id=user_id)
    deleted, _by_model = raised.filter(person__isnull=True).delete()
    return deleted + raised.update(reporter=None, note=None)


inventory.register(
    SafetyPlan,
    section="safety_plan",
    description=_("Your safety plan, every section as you wrote it."),
    export=_plan,
    erase=Erase.DELETE,
    encrypted_fields=SECTION_KEYS,
)
inventory.register(
    RiskEvent,
    section="risk_events",
    description=_(
        "When our safety check found signs of distress or risk in something you wrote: the "
        "level and kind, not your words (they stay in your posts)."
    ),
    export=_risk_events,
    erase=Erase.DELETE,
)
inventory.register(
    Case,
    section="crisis_cases",
    description=_(
        "Times our crisis team was asked to look out for you: when, how urgent, why, and the "
        "outcome. The team's working notes are not included."
    ),
    user_field="person",
    export=_cases,
    erase=_erase_cases,
    other_user_fields=("acknowledged_by", "closed_by"),
)
inventory.register(
    CaseEvent,
    section="crisis_case_timeline",
    description=_("When your cases were opened, seen, answered and closed."),
    user_field="case__person",
    export=_case_events,
    erase=Erase.DELETE,
    other_user_fields=("actor",),
)
inventory.register(
    CaseNote,
    section="crisis_case_messages",
    description=_("What you wrote when asking to talk to someone, and messages the team sent you."),
    user_field="person",
    export=_messages,
    erase=Erase.DELETE,
    encrypted_fields=("text",),
    other_user_fields=("author",),
)
inventory.register(
    Concern,
    section="concerns_raised",
    description=_("Times you told us you were worried about someone."),
    user_field="reporter",
    export=_concerns_raised,
    erase=_erase_concerns_raised,
    encrypted_fields=("note",),
    other_user_fields=("person",),
)
inventory.register(
    OnCall,
    section="on_call",
    description=_("Times you were on call for the crisis queue."),
    export=("since", "until"),
    erase=Erase.DELETE,
)
inventory.register(
    SafetySettings,
    section="safety_settings",
    description=_("Whether the support team may send you a caring message."),
    export=("concern_outreach", "updated_at"),
    erase=Erase.DELETE,
)
inventory.register(
    RiskLabel,
    section="risk_labels",
    description=_("The crisis team's judgement on the safety check's findings, for its testing."),
    user_field="risk_event__user",
    export=("engine_level", "level", "outcome", "created_at"),
    erase=Erase.DELETE,
    other_user_fields=("labelled_by",),
)
