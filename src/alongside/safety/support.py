"""What a writer is shown at once when their words show distress (API.md: ``support``).

Policy (PRODUCT.md, "Never leave a person in crisis alone"): crisis lines for the writer's
place and language always come with options that are not a phone call, because most people
in distress reach for those first: their own safety plan (or an invitation to make one), a
grounding exercise, and a way to ask for a person here. Someone who is worried about another
person gets ways to help them instead of text written as if they were the one at risk.

Nothing here reads, stores or repeats what the person wrote: the payload is built from the
level and subject of the assessment, the writer's country, language and age band, and
whether they have a safety plan. It never raises and never needs Redis: the crisis lines
come from the in-memory directory, and the database is asked one question (the profile with
the plan's existence), whose failure only makes the payload less personal.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError
from django.db.models import Exists, OuterRef
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from alongside.safety.detection import LEVELS, SUBJECTS, RiskResult, level_rank
from alongside.safety.directory import DIRECTORY, Hotline, language_base, normalize_country

log = logging.getLogger(__name__)

#: The composer's draft check offers support from this level up (issue 4: "at moderate+").
OFFER_LEVEL = "moderate"
#: From this level up the payload is urgent: the emergency number comes first.
URGENT_LEVEL = "high"


@dataclass(frozen=True)
class _Profile:
    country: str = ""
    locale: str = ""
    young: bool = False
    has_plan: bool = False


def support_for(
    *, user_id: int | None, result: RiskResult, country: str | None = None, lang: str | None = None
) -> dict[str, Any] | None:
    """The support payload for ``result``, or ``None`` below ``low``.

    ``country`` (ISO 3166-1 alpha-2) and ``lang`` override the writer's profile; without
    either, the profile's country (or the site default) and language are used. Never raises
    and never needs Redis: it reads the in-memory hotline directory and, in one query, the
    writer's profile and whether they have a safety plan.
    """
    try:
        if result.level not in LEVELS or level_rank(result.level) < level_rank("low"):
            return None
        level = result.level
        subject = result.subject if result.subject in SUBJECTS else "unknown"
    except Exception:  # a malformed result must not stop the write it belongs to
        log.exception("support payload: unreadable assessment")
        return None
    try:
        profile = _profile(user_id)
        return build_support(
            level=level,
            subject=subject,
            country=_clean_country(country) or _clean_country(profile.country),
            lang=lang or profile.locale or None,
            plan_exists=profile.has_plan,
            young=profile.young,
        )
    except Exception:  # never worse than a generic payload that still points to help
        log.exception("support payload degraded")
        return _fallback(level, subject)


def build_support(
    *,
    level: str,
    subject: str,
    country: str | None = None,
    lang: str | None = None,
    plan_exists: bool = False,
    young: bool = False,
) -> dict[str, Any]:
    """The payload from what is known, without any I/O (the support panel calls it again at
    render time, in the reader's current language, from what the session kept)."""
    code = _clean_country(country) or settings.DEFAULT_COUNTRY
    ui_lang = _ui_language(lang)
    text_lang = "zh-hans" if ui_lang == "zh-hans" else "en"
    urgent = level_rank(level) >= level_rank(URGENT_LEVEL)
    with translation.override(ui_lang):
        place = DIRECTORY.country(code)
        emergency = list(place.emergency) if place else []
        # Order by the language asked for (a French speaker in Belgium), even when the
        # site's own text can only be shown in English or Chinese.
        lines = _lines_for(code, (lang or ui_lang).lower(), young=young)
        payload: dict[str, Any] = {
            "level": level,
            "subject": subject,
            "urgent": urgent,
            "offer": level_rank(level) >= level_rank(OFFER_LEVEL),
            "title": _title(level, subject),
            "message": _message(level, subject),
            "country": code,
            "country_name": place.name(text_lang) if place else code,
            "emergency_numbers": emergency,
            "emergency": _emergency_text(emergency, place.name(text_lang) if place else ""),
            "hotlines": [_hotline(line, text_lang) for line in lines],
            "international": [_hotline(line, text_lang) for line in DIRECTORY.international()],
            "help_url": f"{reverse('help')}?country={code}",
            "safety_plan": _safety_plan(plan_exists),
            "grounding": _grounding(),
            "talk_url": talk_url(),
            "talk": {
                "url": talk_url(),
                "title": _("Talk to a person here"),
                "text": _(
                    "Ask for someone from our support team. You can also talk with a peer "
                    "supporter in the community."
                ),
            },
        }
        if subject == "other":
            payload["helping_a_friend"] = _helping_a_friend()
    return payload


def session_fields(support: Mapping[str, Any] | None) -> dict[str, Any]:
    """What a page may keep in the session to show the panel once after a redirect: the
    level, subject, country and whether a plan exists. Never the text that was written."""
    if not isinstance(support, Mapping):
        return {}
    plan = support.get("safety_plan")
    return {
        "level": str(support.get("level", "")),
        "subject": str(support.get("subject", "")),
        "country": str(support.get("country", "")),
        "plan_exists": bool(isinstance(plan, Mapping) and plan.get("exists")),
    }


def support_panel(
    stored: Mapping[str, Any] | None, *, young: bool = False
) -> dict[str, Any] | None:
    """The panel's payload from :func:`session_fields`, in the current language; ``None`` when
    what was stored is not a support hand-off (a tampered or stale session value)."""
    if not isinstance(stored, Mapping):
        return None
    level = stored.get("level")
    if level not in LEVELS or level_rank(str(level)) < level_rank("low"):
        return None
    subject = stored.get("subject")
    return build_support(
        level=str(level),
        subject=str(subject) if subject in SUBJECTS else "unknown",
        country=_clean_country(stored.get("country")),
        lang=translation.get_language(),
        plan_exists=bool(stored.get("plan_exists")),
        young=young,
    )


def talk_url() -> str:
    """Where to ask for a person: the crisis team's request page when it exists, else the
    help page's "talk to someone" section."""
    try:
        return reverse("safety:talk")
    except NoReverseMatch:
        return f"{reverse('help')}#talk"


# --- pieces ---------------------------------------------------------------------------------


def _profile(user_id: int | None) -> _Profile:
    """The writer's country, language, age band and plan existence, in one query. A database
    error leaves them unknown (the site default applies) rather than failing the write."""
    if user_id is None:
        return _Profile()
    from alongside.safety.models import SafetyPlan

    user_model = get_user_model()
    try:
        user = (
            user_model.objects.filter(pk=user_id)
            .only("country", "locale", "birth_year")
            .annotate(has_safety_plan=Exists(SafetyPlan.objects.filter(user_id=OuterRef("pk"))))
            .first()
        )
    except DatabaseError:
        log.warning("support payload without profile: database unavailable")
        return _Profile()
    if user is None:
        return _Profile()
    band = getattr(user, "age_band", None)
    return _Profile(
        country=str(getattr(user, "country", "") or ""),
        locale=str(getattr(user, "locale", "") or ""),
        young=str(band) == "teen",
        has_plan=bool(getattr(user, "has_safety_plan", False)),
    )


def _clean_country(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        return ""
    try:
        return normalize_country(value)
    except ValueError:
        return ""


def _ui_language(lang: str | None) -> str:
    """One of the site's languages: Chinese of any script → ``zh-hans``, otherwise English
    unless the code names another configured language."""
    if not lang:
        lang = translation.get_language() or settings.LANGUAGE_CODE
    code = lang.replace("_", "-").lower()
    if language_base(code) == "zh":
        return "zh-hans"
    known = {c for c, _name in settings.LANGUAGES}
    if code in known:
        return code
    base = language_base(code)
    return base if base in known else settings.LANGUAGE_CODE


def _lines_for(code: str, lang: str, *, young: bool) -> list[Hotline]:
    """The place's lines, those in the writer's language first; for a young person, lines
    for young people next. None are dropped: another language is better than none."""
    audience = "young_people" if young else "everyone"
    found = [line for line in DIRECTORY.lines if line.country == code]
    return sorted(found, key=lambda line: (not line.speaks(lang), line.audience != audience))


def _hotline(line: Hotline, lang: str) -> dict[str, Any]:
    return {
        "id": line.id,
        "country": line.country,
        "name": line.display_name(lang),
        "description": line.description_text(lang),
        "phone": line.phone or None,
        "tel": line.tel or None,
        "other_phones": list(line.other_phones),
        "sms": line.sms or None,
        "sms_to": line.sms_target or None,
        "sms_keyword": line.sms_keyword or None,
        "url": line.url or None,
        "open_24_7": line.open_24_7,
        "hours": line.hours_text(lang) or None,
        "languages": list(line.languages),
        "audience": line.audience,
        "source": line.source,
        "verified_on": line.verified_on.isoformat(),
    }


def _title(level: str, subject: str) -> str:
    if subject == "other":
        return _("Thank you for looking out for someone.")
    if level_rank(level) >= level_rank(URGENT_LEVEL):
        return _("Thank you for telling us. You don't have to go through this alone.")
    return _("Thank you for sharing this. You don't have to carry it alone.")


def _message(level: str, subject: str) -> str:
    if subject == "other":
        return _(
            "It sounds like you are worried about someone. You can help them, and you don't "
            "have to do it alone: here is how to support them, and who you can call for "
            "advice, for them or for yourself."
        )
    if level == "imminent":
        return _(
            "Your safety matters. If you might act on these thoughts, please call your local "
            "emergency number or one of the lines below now. They are there for moments like "
            "this, and you deserve support right away."
        )
    if level == "high":
        return _(
            "It sounds like you are in a lot of pain right now. You deserve support. Trained "
            "people are ready to listen at the numbers below, and there are other things here "
            "that can help too."
        )
    if level == "moderate":
        return _(
            "It sounds like things are really hard right now. People here will read what you "
            "wrote. If you would like support sooner, these can help."
        )
    return _(
        "Hard days are easier with support. Here are a few things that can help, whenever "
        "you want them."
    )


def _emergency_text(numbers: list[str], place: str) -> str:
    if numbers and place:
        return _(
            "If you are in danger right now, call %(number)s (emergency number in %(place)s)."
        ) % {
            "number": numbers[0],
            "place": place,
        }
    return _("If you are in danger right now, call your local emergency number.")


def _safety_plan(exists: bool) -> dict[str, Any]:
    if exists:
        return {
            "exists": True,
            "url": reverse("safety-plan"),
            "title": _("Open my safety plan"),
            "text": _(
                "Your plan is there for moments like this: what helps, and who you can reach."
            ),
        }
    return {
        "exists": False,
        "url": reverse("safety-plan-edit"),
        "title": _("Make a safety plan"),
        "text": _(
            "A safety plan is a short list, in your own words, of what helps and who you can "
            "reach when things get hard. It takes a few minutes, and only you can see it."
        ),
    }


def _grounding() -> dict[str, Any]:
    return {
        "title": _("A grounding exercise: 5-4-3-2-1"),
        "steps": [
            _("Name five things you can see around you."),
            _("Notice four things you can touch, and how they feel."),
            _("Listen for three things you can hear, near or far."),
            _("Find two things you can smell, or think of two smells you like."),
            _("Name one thing you can taste, or one kind thing you can say to yourself."),
        ],
        "breathing": _("Then breathe in slowly for four counts, and out for six."),
        "url": reverse("help-grounding"),
    }


def _helping_a_friend() -> dict[str, Any]:
    return {
        "title": _("How to help someone you are worried about"),
        "steps": [
            _(
                "Ask them directly how they are, and whether they are thinking about suicide. "
                "Asking does not put the idea in their head; it can be a relief to be asked."
            ),
            _("Listen without judging. You don't need the perfect words: being there matters."),
            _(
                "You can contact a crisis line yourself, on their behalf or to get advice on "
                "how to help."
            ),
            _(
                "If they are in immediate danger, call the emergency number and stay with them "
                "if it is safe to do so."
            ),
            _("Look after yourself too. Supporting someone is hard, and you deserve support."),
        ],
        "url": f"{reverse('help')}#worried",
    }


def _fallback(level: str, subject: str) -> dict[str, Any]:
    """When even the directory-only payload failed: still the way to every crisis line."""
    try:
        return build_support(level=level, subject=subject)
    except Exception:
        log.exception("support payload fallback failed")
    return {
        "level": level,
        "subject": subject,
        "urgent": level_rank(level) >= level_rank(URGENT_LEVEL),
        "offer": level_rank(level) >= level_rank(OFFER_LEVEL),
        "message": "",
        "hotlines": [],
        "international": [],
        "help_url": "/help",
        "safety_plan": {"exists": False, "url": "/safety-plan/edit"},
        "grounding": {"title": "", "steps": [], "url": "/help/grounding/"},
        "talk_url": "/help#talk",
    }
