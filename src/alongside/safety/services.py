"""Writes of safety data. Each function is one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from alongside.core.actor import Actor
from alongside.core.api import ApiError
from alongside.safety.models import SafetyPlan
from alongside.safety.plan import SECTION_KEYS, SECTION_MAX_LENGTH


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


#: Where a piece of text was written (API.md: risk engine surfaces).
SURFACES = ("post", "reply", "chat", "journal", "companion", "draft")


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


NO_RISK = Assessment()


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
    the write. Until the risk engine lands (issue 4) it records nothing and finds no risk.
    """
    if surface not in SURFACES:
        raise ValueError(f"unknown surface {surface!r}")
    return NO_RISK
