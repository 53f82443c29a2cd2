"""Words for people who reach out: someone worried about another person, and someone asking
for a person to talk to. Shared by the pages and the API so both say the same thing."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from alongside.safety.directory import DIRECTORY, Country, Hotline, normalize_country


def concern_received() -> str:
    return _(
        "Thank you for looking out for them. Our crisis team will look at this privately. "
        "They will not tell the person who raised it."
    )


def concern_guidance() -> list[str]:
    return [
        _(
            "If you can, reach out to them yourself: ask how they are, listen without "
            "judging, and let them know you care."
        ),
        _(
            "It is okay to ask directly whether they are thinking about suicide. Asking does "
            "not put the idea in their head, and it can be a relief to be asked."
        ),
        _(
            "You can call a crisis line yourself, to get advice on how to help. The lines "
            "below are there for you too."
        ),
        _(
            "If you think they are in immediate danger, call your local emergency number now "
            "and stay with them if it is safe to do so."
        ),
        _("Supporting someone can be hard. Look after yourself as well."),
    ]


def talk_received() -> str:
    return _(
        "Thank you for reaching out. We have let our crisis team know that you would like to "
        "talk to someone."
    )


def talk_what_next() -> list[str]:
    return [
        _(
            "A trained member of our crisis team will see your request and reach out to you "
            "here, through your notifications."
        ),
        _(
            "They are people, not a machine, and it may take a little while. You are not "
            "a bother: this is what they are here for."
        ),
        _(
            "If you need to talk to someone right now, the crisis lines below are free and "
            "confidential."
        ),
        _("If you are in danger right now, call your local emergency number."),
    ]


def place_for(country: str, lang: str = "en") -> tuple[str, Country | None, list[Hotline]]:
    """(code, country, lines) for a country code, falling back to the site default; lines in
    the place's languages come first, international directories last."""
    try:
        code = normalize_country(country) if country else settings.DEFAULT_COUNTRY
    except ValueError:
        code = settings.DEFAULT_COUNTRY
    return code, DIRECTORY.country(code), DIRECTORY.for_country(code, lang)
