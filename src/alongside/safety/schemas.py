from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import BeforeValidator, StrictBool, StrictInt

from alongside.safety.models import Case
from alongside.safety.plan import SECTION_MAX_LENGTH
from alongside.safety.services import CONCERN_TARGETS


class HotlineOut(Schema):
    id: str
    country: str | None
    name: str
    phone: str | None
    other_phones: list[str]
    sms: str | None
    sms_keyword: str | None
    email: str | None
    url: str | None
    languages: list[str]
    open_24_7: bool
    hours: str | None
    audience: str
    description: str
    source: str
    verified_on: datetime.date
    #: The country's emergency number (ambulance/police); null for international directories.
    emergency: str | None


class HotlineList(Schema):
    items: list[HotlineOut]
    next: str | None = None
    country: str
    #: Every emergency number of the country, the usual one first; empty when not in the directory.
    emergency_numbers: list[str]


class SafetyPlanIn(Schema):
    warning_signs: str = Field("", max_length=SECTION_MAX_LENGTH)
    coping_strategies: str = Field("", max_length=SECTION_MAX_LENGTH)
    distractions: str = Field("", max_length=SECTION_MAX_LENGTH)
    people_to_ask: str = Field("", max_length=SECTION_MAX_LENGTH)
    professionals: str = Field("", max_length=SECTION_MAX_LENGTH)
    environment_safety: str = Field("", max_length=SECTION_MAX_LENGTH)
    reasons_for_living: str = Field("", max_length=SECTION_MAX_LENGTH)


class SafetyPlanOut(Schema):
    warning_signs: str
    coping_strategies: str
    distractions: str
    people_to_ask: str
    professionals: str
    environment_safety: str
    reasons_for_living: str
    updated_at: datetime.datetime | None
    url: str


# --- crisis queue ----------------------------------------------------------------------------


class CaseOut(Schema):
    id: int
    url: str
    status: str
    level: str
    level_label: str
    sources: list[str]
    source_labels: list[str]
    #: How many signals (detections, concerns, requests) joined the case.
    signals: int
    teen: bool
    first_detected_at: datetime.datetime
    #: Since when the case waits for a responder (opened, or its level rose after one looked).
    waiting_since: datetime.datetime
    waiting_seconds: int
    #: The acknowledgement deadline; null once acknowledged.
    due_at: datetime.datetime | None
    overdue: bool
    acknowledged: bool
    acknowledged_at: datetime.datetime | None
    acknowledged_by: str | None
    #: Seconds from detection to the first acknowledgement.
    ack_seconds: int | None
    #: 0: on-call responders alerted; 1: every responder; 2: responders and administrators.
    escalation_level: int
    last_activity_at: datetime.datetime
    outcome: str | None
    closed_at: datetime.datetime | None


class CaseCounts(Schema):
    open: int
    waiting: int


class CaseList(Schema):
    items: list[CaseOut]
    next: str | None = None
    counts: CaseCounts
    on_call: bool
    on_call_until: datetime.datetime | None


class CasePersonOut(Schema):
    id: int
    username: str
    name: str
    teen: bool
    country: str | None
    locale: str
    joined_at: datetime.datetime
    active: bool


class SegmentOut(Schema):
    text: str
    #: Rules that matched this part of the text; empty for text between matches.
    rules: list[str]


class EvidencePostOut(Schema):
    id: int
    url: str
    thread_title: str
    community: str
    anonymous: bool
    status: str
    #: The status in the reader's language.
    status_label: str
    #: Visible (or deleted) in its thread, so ``url`` opens it; a held, removed or waiting
    #: post does not open there for everyone who reads the case.
    published: bool
    gone: bool
    segments: list[SegmentOut]
    #: The post was edited since it was assessed: highlights would be misplaced, so none.
    changed: bool
    created_at: datetime.datetime


class RiskEvidenceOut(Schema):
    id: int
    kind: str
    level: str
    level_label: str
    score: float
    subject: str
    surface: str
    categories: list[str]
    rules: list[str]
    engine_version: str
    created_at: datetime.datetime
    post: EvidencePostOut | None


class ConcernEvidenceOut(Schema):
    id: str
    target_type: str
    reporter: str | None
    note: str
    created_at: datetime.datetime
    post: EvidencePostOut | None


class PriorCaseOut(Schema):
    id: int
    url: str
    level: str
    level_label: str
    status: str
    outcome: str | None
    outcome_label: str | None
    created_at: datetime.datetime
    closed_at: datetime.datetime | None


class CaseNoteOut(Schema):
    id: str
    kind: str
    kind_label: str
    author: str | None
    text: str
    created_at: datetime.datetime


class TimelineOut(Schema):
    kind: str
    label: str
    actor: str | None
    data: dict[str, object]
    created_at: datetime.datetime


class OutreachStateOut(Schema):
    allowed: bool
    reason: str | None
    code: str | None


class CaseDetailOut(CaseOut):
    person: CasePersonOut
    evidence: list[RiskEvidenceOut]
    concerns: list[ConcernEvidenceOut]
    recent_posts: list[EvidencePostOut]
    prior_cases: list[PriorCaseOut]
    notes: list[CaseNoteOut]
    timeline: list[TimelineOut]
    outreach: OutreachStateOut
    outcome_label: str | None


class CaseNoteIn(Schema):
    text: str


class CaseResolveIn(Schema):
    outcome: str = Field(json_schema_extra={"enum": list(Case.Outcome.values)})
    note: str | None = None
    #: The level the responder judged it was (optional): below high for a false alarm.
    level: str | None = None


class OutreachIn(Schema):
    #: Optional words of the responder, shown to the person on their "talk to someone" page.
    message: str | None = None


class OutreachOut(Schema):
    sent: bool
    case_id: int


class OnCallIn(Schema):
    on_call: StrictBool
    #: Stay on call for this many hours (1 to 168); open-ended when left out.
    hours: StrictInt | None = None


class OnCallOut(Schema):
    on_call: bool
    since: datetime.datetime | None
    until: datetime.datetime | None


# --- worried about someone, asking for a person, outreach setting --------------------------


def _int_or_text(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(_("Give a post's number or a username."))
    return value


TargetId = Annotated[int | str, BeforeValidator(_int_or_text)]


class ConcernIn(Schema):
    target_type: str = Field(json_schema_extra={"enum": list(CONCERN_TARGETS)})
    #: A post's number, or a person's username (never coerced: ``true`` is not post 1).
    target_id: TargetId
    note: str | None = None


class ConcernOut(Schema):
    received: bool
    detail: str
    #: How to help someone you are worried about.
    guidance: list[str]
    #: Crisis lines for the reporter's place: they may call for advice too.
    hotlines: list[HotlineOut]
    country: str
    emergency_numbers: list[str]
    help_url: str
    #: The support payload for someone worried about another person (see ``support``).
    support: dict[str, object] | None


class TalkIn(Schema):
    #: Anything the person wants the team to know (optional, encrypted).
    message: str | None = None


class TalkOut(Schema):
    received: bool
    detail: str
    what_next: list[str]
    hotlines: list[HotlineOut]
    country: str
    emergency_numbers: list[str]
    url: str


class SafetySettingsIn(Schema):
    concern_outreach: StrictBool


class SafetySettingsOut(Schema):
    #: May the support team send a caring message when someone is worried about you?
    concern_outreach: bool
    url: str
