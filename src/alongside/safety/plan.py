"""The Stanley–Brown safety plan: its sections, in the order a person works through them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

#: Long enough for a thorough plan, short enough that a pasted book is refused with a clear error.
SECTION_MAX_LENGTH = 4000


@dataclass(frozen=True)
class Section:
    key: str
    title: StrPromise
    prompt: StrPromise


SECTIONS: tuple[Section, ...] = (
    Section(
        "warning_signs",
        _("Warning signs"),
        _("Thoughts, feelings, situations or behaviours that tell me a crisis may be starting."),
    ),
    Section(
        "coping_strategies",
        _("Things I can do on my own"),
        _(
            "Ways to take my mind off my problems without contacting anyone: a walk, music, "
            "a shower, a breathing exercise."
        ),
    ),
    Section(
        "distractions",
        _("People and places that help me feel better"),
        _("People I can be around and places I can go to take my mind off things."),
    ),
    Section(
        "people_to_ask",
        _("People I can ask for help"),
        _("Friends or family I can tell that I am struggling, with how to reach them."),
    ),
    Section(
        "professionals",
        _("Professionals and crisis lines"),
        _("My doctor, therapist or care team, a crisis line, and the local emergency number."),
    ),
    Section(
        "environment_safety",
        _("Making my surroundings safer"),
        _(
            "Steps to put distance between me and anything I might use to hurt myself, "
            "and who could help me with that."
        ),
    ),
    Section(
        "reasons_for_living",
        _("My reasons for living"),
        _("The people, plans, pets, places and hopes that matter to me."),
    ),
)
SECTION_KEYS: tuple[str, ...] = tuple(section.key for section in SECTIONS)
