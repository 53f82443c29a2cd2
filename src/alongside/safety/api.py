"""Safety endpoints: the public hotline directory, the owner's safety plan, the crisis queue
(crisis responders), "worried about someone", and asking for a person."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Router, Status

from alongside.accounts.middleware import actor_for_request
from alongside.core.actor import Actor
from alongside.core.api import USER_AUTH, ApiError
from alongside.safety import access, cases, guidance, selectors, services
from alongside.safety.directory import (
    DIRECTORY,
    Hotline,
    language_base,
    normalize_country,
    valid_language,
)
from alongside.safety.schemas import (
    CaseDetailOut,
    CaseList,
    CaseNoteIn,
    CaseNoteOut,
    CaseOut,
    CaseResolveIn,
    ConcernIn,
    ConcernOut,
    HotlineList,
    OnCallIn,
    OnCallOut,
    OutreachIn,
    OutreachOut,
    SafetyPlanIn,
    SafetyPlanOut,
    SafetySettingsIn,
    SafetySettingsOut,
    TalkIn,
    TalkOut,
)

router = Router(tags=["safety"])


def _profile_country(request: HttpRequest) -> str:
    """The signed-in person's country, if it can be read; a crisis path never fails on it."""
    try:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return str(user.country or "")
    except DatabaseError:
        pass
    return ""


def _hotline_out(line: Hotline, lang: str) -> dict[str, Any]:
    country = DIRECTORY.country(line.country) if line.country else None
    return {
        "id": line.id,
        "country": line.country,
        "name": line.display_name(lang),
        "phone": line.phone or None,
        "other_phones": list(line.other_phones),
        "sms": line.sms or None,
        "sms_keyword": line.sms_keyword or None,
        "email": line.email or None,
        "url": line.url or None,
        "languages": list(line.languages),
        "open_24_7": line.open_24_7,
        "hours": line.hours_text(lang) or None,
        "audience": line.audience,
        "description": line.description_text(lang),
        "source": line.source,
        "verified_on": line.verified_on,
        "emergency": country.emergency_number if country else None,
    }


@router.get(
    "/help/hotlines",
    response=HotlineList,
    auth=None,
    summary="Crisis lines for a country",
    description=(
        "Public, never rate-limited, served from a data file (no database or cache needed). "
        "Lines in the requested language come first; international directories come last, "
        "so there is always somewhere to turn. Unknown but well-formed countries get the "
        "international directories only."
    ),
)
def hotlines_list(
    request: HttpRequest, country: str | None = None, lang: str | None = None
) -> dict[str, Any]:
    if country is None or not country.strip():
        country = _profile_country(request) or settings.DEFAULT_COUNTRY
    try:
        code = normalize_country(country)
    except ValueError:
        raise ApiError(
            422, _("Use a two-letter country code, like GB or CN."), "invalid", "country"
        ) from None
    if lang is None or not lang.strip():
        lang = translation.get_language() or settings.LANGUAGE_CODE
    elif not valid_language(lang.strip()):
        raise ApiError(422, _("Use a language code, like en or zh-hans."), "invalid", "lang")
    lang = lang.strip().lower()
    text_lang = "zh-hans" if language_base(lang) == "zh" else lang
    place = DIRECTORY.country(code)
    lines = [*DIRECTORY.for_country(code, lang), *DIRECTORY.international()]
    return {
        "items": [_hotline_out(line, text_lang) for line in lines],
        "next": None,
        "country": code,
        "emergency_numbers": list(place.emergency) if place else [],
    }


def _plan_out(plan: Any) -> dict[str, Any]:
    return {
        **selectors.safety_plan_sections(plan),
        "updated_at": plan.updated_at if plan else None,
        "url": reverse("safety-plan"),
    }


@router.get("/me/safety-plan", response=SafetyPlanOut, auth=USER_AUTH, summary="My safety plan")
def safety_plan_read(request: HttpRequest) -> dict[str, Any]:
    """The caller's own plan; empty sections when they have not written one yet."""
    plan = selectors.safety_plan_get(actor=actor_for_request(request))
    return _plan_out(plan)


@router.put(
    "/me/safety-plan", response=SafetyPlanOut, auth=USER_AUTH, summary="Replace my safety plan"
)
def safety_plan_replace(request: HttpRequest, payload: SafetyPlanIn) -> dict[str, Any]:
    actor = actor_for_request(request)
    assert actor.user_id is not None  # USER_AUTH admitted a signed-in person
    plan = services.safety_plan_save(user_id=actor.user_id, sections=payload.dict())
    return _plan_out(plan)


# --- crisis queue (crisis responders and administrators; everyone else: 404) -------------------


def _responder(request: HttpRequest) -> Actor:
    actor = actor_for_request(request)
    access.require_responder(actor)
    return actor


def _case_out(case: Any) -> dict[str, Any]:
    return selectors.case_item(case, now=timezone.now())


@router.get(
    "/safety/cases",
    response=CaseList,
    auth=USER_AUTH,
    summary="The crisis queue (crisis responders)",
    description=(
        "Open cases, most urgent first: level, then unacknowledged, then longest waiting; "
        "with SLA timers (`waiting_seconds`, `due_at`). No names or words: the case itself "
        "shows them, and every reading of a case is audited."
    ),
)
def case_list(request: HttpRequest, cursor: str | None = None) -> dict[str, Any]:
    actor = _responder(request)
    assert actor.user_id is not None
    page = selectors.case_queue(viewer_id=actor.user_id, cursor=cursor)
    on_call = selectors.on_call_get(user_id=actor.user_id)
    return {
        **page,
        "counts": selectors.case_counts(viewer_id=actor.user_id),
        "on_call": on_call is not None,
        "on_call_until": on_call.until if on_call else None,
    }


@router.get(
    "/safety/cases/{case_id}",
    response=CaseDetailOut,
    auth=USER_AUTH,
    summary="A crisis case with its evidence and context (audited)",
)
def case_detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    actor = _responder(request)
    case = access.get_case_for(actor, case_id)
    cases.case_view_record(actor=actor, case=case)
    return selectors.case_detail(case=case)


@router.post(
    "/safety/cases/{case_id}/acknowledge",
    response=CaseOut,
    auth=USER_AUTH,
    summary="Take the case: escalation stops",
)
def case_acknowledge(request: HttpRequest, case_id: int) -> dict[str, Any]:
    actor = _responder(request)
    case = cases.case_acknowledge(actor=actor, case=access.get_case_for(actor, case_id))
    return _case_out(case)


@router.post(
    "/safety/cases/{case_id}/notes",
    response={201: CaseNoteOut},
    auth=USER_AUTH,
    summary="Add a note (encrypted)",
)
def case_note_create(request: HttpRequest, case_id: int, payload: CaseNoteIn) -> Status[Any]:
    actor = _responder(request)
    note = cases.case_note_add(
        actor=actor, case=access.get_case_for(actor, case_id), text=payload.text
    )
    return Status(
        201,
        {
            "id": str(note.pk),
            "kind": note.kind,
            "kind_label": str(note.get_kind_display()),
            "author": None,
            "text": str(note.text),
            "created_at": note.created_at,
        },
    )


@router.post(
    "/safety/cases/{case_id}/resolve",
    response=CaseOut,
    auth=USER_AUTH,
    summary="Record the outcome and close",
    description=(
        "`outcome`: supported, referred, emergency_services or false_alarm. The outcome is "
        "stored as a label on each risk event of the case, for `alongside safety evaluate`."
    ),
)
def case_resolve(request: HttpRequest, case_id: int, payload: CaseResolveIn) -> dict[str, Any]:
    actor = _responder(request)
    case = cases.case_resolve(
        actor=actor,
        case=access.get_case_for(actor, case_id),
        outcome=payload.outcome,
        note=payload.note,
        level=payload.level,
    )
    return _case_out(case)


@router.post(
    "/safety/cases/{case_id}/outreach",
    response=OutreachOut,
    auth=USER_AUTH,
    summary="Send the person a caring message",
    description=(
        "At most one a week per person, and none to a person who opted out (409), unless "
        "they asked to talk to someone."
    ),
)
def case_outreach(request: HttpRequest, case_id: int, payload: OutreachIn) -> dict[str, Any]:
    actor = _responder(request)
    case = access.get_case_for(actor, case_id)
    cases.case_outreach(actor=actor, case=case, message=payload.message)
    return {"sent": True, "case_id": case.pk}


@router.post(
    "/safety/on-call",
    response=OnCallOut,
    auth=USER_AUTH,
    summary="Go on or off call (crisis responders)",
)
def on_call_set(request: HttpRequest, payload: OnCallIn) -> dict[str, Any]:
    actor = _responder(request)
    row = cases.on_call_set(actor=actor, on=payload.on_call, hours=payload.hours)
    return {
        "on_call": row is not None,
        "since": row.since if row else None,
        "until": row.until if row else None,
    }


# --- worried about someone; asking for a person --------------------------------------------------


def _lines_out(request: HttpRequest) -> dict[str, Any]:
    lang = translation.get_language() or settings.LANGUAGE_CODE
    text_lang = "zh-hans" if language_base(lang) == "zh" else "en"
    code, place, lines = guidance.place_for(_profile_country(request), lang)
    return {
        "hotlines": [
            _hotline_out(line, text_lang) for line in [*lines, *DIRECTORY.international()]
        ],
        "country": code,
        "emergency_numbers": list(place.emergency) if place else [],
    }


@router.post(
    "/safety/concerns",
    response={202: ConcernOut},
    auth=USER_AUTH,
    summary="I'm worried about this person",
    description=(
        "`target_type` is `post` (with the post's number) or `user` (with a username). The "
        "answer is the same whether or not the target exists or is visible to you. Limited to "
        "5 an hour and 20 a day (429 with Retry-After). Goes to the crisis team, never to the "
        "person."
    ),
)
def concern_create(request: HttpRequest, payload: ConcernIn) -> Status[Any]:
    actor = actor_for_request(request)
    services.concern_create(
        actor=actor, target_type=payload.target_type, target_id=payload.target_id, note=payload.note
    )
    return Status(
        202,
        {
            "received": True,
            "detail": guidance.concern_received(),
            "guidance": guidance.concern_guidance(),
            "help_url": reverse("help") + "#worried",
            "support": services.concern_support(actor=actor),
            **_lines_out(request),
        },
    )


@router.post(
    "/safety/talk",
    response={202: TalkOut},
    auth=USER_AUTH,
    summary="Ask to talk to a person",
    description=(
        "Opens (or updates) your case in the crisis queue at high priority. Never "
        "rate-limited. The answer says what happens next and lists crisis lines."
    ),
)
def talk_request(request: HttpRequest, payload: TalkIn) -> Status[Any]:
    actor = actor_for_request(request)
    services.talk_request(actor=actor, message=payload.message)
    return Status(
        202,
        {
            "received": True,
            "detail": guidance.talk_received(),
            "what_next": guidance.talk_what_next(),
            "url": reverse("safety:talk"),
            **_lines_out(request),
        },
    )


def _settings_out(row: Any) -> dict[str, Any]:
    return {"concern_outreach": row.concern_outreach, "url": reverse("safety:settings")}


@router.get(
    "/me/safety-settings",
    response=SafetySettingsOut,
    auth=USER_AUTH,
    summary="My safety outreach setting",
)
def safety_settings_read(request: HttpRequest) -> dict[str, Any]:
    actor = actor_for_request(request)
    assert actor.user_id is not None
    return _settings_out(selectors.safety_settings_get(user_id=actor.user_id))


@router.put(
    "/me/safety-settings",
    response=SafetySettingsOut,
    auth=USER_AUTH,
    summary="Change my safety outreach setting",
)
def safety_settings_replace(request: HttpRequest, payload: SafetySettingsIn) -> dict[str, Any]:
    actor = actor_for_request(request)
    assert actor.user_id is not None
    row = services.safety_settings_save(
        user_id=actor.user_id, concern_outreach=payload.concern_outreach
    )
    return _settings_out(row)
