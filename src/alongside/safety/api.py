"""Safety endpoints: the public hotline directory and the owner's safety plan."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Router

from alongside.accounts.middleware import actor_for_request
from alongside.core.api import USER_AUTH, ApiError
from alongside.safety import selectors, services
from alongside.safety.directory import (
    DIRECTORY,
    Hotline,
    language_base,
    normalize_country,
    valid_language,
)
from alongside.safety.schemas import HotlineList, SafetyPlanIn, SafetyPlanOut

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
