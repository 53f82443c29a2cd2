"""Reads of safety data, always for the acting person (a safety plan is theirs alone)."""

from __future__ import annotations

from alongside.core.actor import Actor
from alongside.safety.directory import DIRECTORY, Hotline
from alongside.safety.models import SafetyPlan
from alongside.safety.plan import SECTION_KEYS


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
