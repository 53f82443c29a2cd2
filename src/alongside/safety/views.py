"""Pages: the help page (crisis lines, grounding, a person to talk to) and the safety plan.

The help page is a crisis path: it works logged out, is never rate-limited, and renders its
crisis lines from the in-memory directory even when the database, cache or Redis is down.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from alongside.core.actor import Actor
from alongside.core.api import ApiError
from alongside.core.http import redirect_after_post
from alongside.safety import selectors, services
from alongside.safety.directory import DIRECTORY, language_base, normalize_country
from alongside.safety.forms import SafetyPlanForm
from alongside.safety.plan import SECTIONS

log = logging.getLogger(__name__)


def _text_language() -> str:
    return "zh-hans" if language_base(translation.get_language() or "en") == "zh" else "en"


def _member(request: HttpRequest) -> tuple[Any, bool]:
    """(user, has_plan) for the help page, or (anonymous, False) if the database cannot say.

    Anything read from the database here is an extra; the crisis lines must render anyway.
    """
    try:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return AnonymousUser(), False
        has_plan = selectors.safety_plan_exists(actor=Actor(user_id=user.pk))
    except DatabaseError:
        log.warning("help page rendered without member data: database unavailable")
        return AnonymousUser(), False
    return user, has_plan


def help_page(request: HttpRequest) -> HttpResponse:
    """Crisis lines for the visitor's place (chosen > profile > site default) and language."""
    lang = _text_language()
    user, has_plan = _member(request)
    requested = request.GET.get("country", "").strip()
    country_error = False
    code = ""
    if requested:
        try:
            code = normalize_country(requested)
        except ValueError:
            country_error = True
    chosen = bool(code)
    if not code and user.is_authenticated and getattr(user, "country", ""):
        code = str(user.country).upper()
    if not code:
        code = settings.DEFAULT_COUNTRY
    place = DIRECTORY.country(code)
    lines = DIRECTORY.for_country(code, lang)
    context = {
        # Overrides the lazy context-processor values, so the shell never touches the
        # database again while rendering this page.
        "user": user,
        "messages": [] if not user.is_authenticated else messages.get_messages(request),
        "lang": lang,
        "country_code": code,
        "country_chosen": chosen,
        "country_error": country_error,
        "place": place,
        "place_name": place.name(lang) if place else code,
        "emergency_numbers": list(place.emergency) if place else [],
        "lines": [_line_context(line, lang) for line in lines],
        "international": [_line_context(line, lang) for line in DIRECTORY.international()],
        "country_choices": DIRECTORY.country_choices(lang),
        "has_plan": has_plan,
    }
    return render(request, "safety/help/index.html", context)


def _line_context(line: Any, lang: str) -> dict[str, Any]:
    return {
        "line": line,
        "name": line.display_name(lang),
        "description": line.description_text(lang),
        "hours": line.hours_text(lang),
        "languages": [_language_name(code) for code in line.languages],
    }


def _language_name(code: str) -> str:
    names = {
        "en": _("English"),
        "es": _("Spanish"),
        "fr": _("French"),
        "de": _("German"),
        "hi": _("Hindi"),
        "zh": _("Mandarin Chinese"),
        "yue": _("Cantonese"),
        "ja": _("Japanese"),
        "ko": _("Korean"),
        "it": _("Italian"),
        "nl": _("Dutch"),
        "pt": _("Portuguese"),
        "sv": _("Swedish"),
        "no": _("Norwegian"),
        "da": _("Danish"),
        "fi": _("Finnish"),
        "pl": _("Polish"),
        "he": _("Hebrew"),
        "ar": _("Arabic"),
        "ru": _("Russian"),
        "ms": _("Malay"),
        "fil": _("Filipino"),
    }
    return names.get(code, code)


@login_required
def safety_plan(request: HttpRequest) -> HttpResponse:
    """The person's plan, one printable page with no JavaScript needed."""
    plan = selectors.safety_plan_get(actor=request.actor)  # type: ignore[attr-defined]
    texts = selectors.safety_plan_sections(plan)
    sections = [{"section": s, "text": texts[s.key]} for s in SECTIONS]
    place = _emergency_for(request)
    lang = _text_language()
    context = {
        "plan": plan,
        "sections": sections,
        "has_text": any(texts.values()),
        "emergency_country": place,
        # The printed plan carries the local crisis lines too (step 5 of the plan).
        "lines": [
            _line_context(line, lang)
            for line in (DIRECTORY.for_country(place.code, lang) if place else [])
        ],
    }
    return render(request, "safety/safety_plan/index.html", context)


def _emergency_for(request: HttpRequest) -> Any:
    code = str(getattr(request.user, "country", "") or settings.DEFAULT_COUNTRY)
    return DIRECTORY.country(code) or DIRECTORY.country(settings.DEFAULT_COUNTRY)


@login_required
@require_http_methods(["GET", "POST"])
def safety_plan_edit(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    if request.method == "POST":
        form = SafetyPlanForm(request.POST)
        if form.is_valid():
            try:
                services.safety_plan_save(user_id=actor.user_id, sections=form.cleaned_data)
            except ApiError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.detail)
            else:
                messages.success(request, _("Your safety plan is saved."))
                return redirect_after_post(request, reverse("safety-plan"))
    else:
        plan = selectors.safety_plan_get(actor=actor)
        form = SafetyPlanForm(initial=selectors.safety_plan_sections(plan))
    return render(request, "safety/safety_plan/edit.html", {"form": form})
