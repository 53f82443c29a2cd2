"""Content-warning topics: one vocabulary shared by posts (communities) and personal filters
(accounts). Slugs are stored; labels are translated at display time."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Topic(StrEnum):
    SELF_HARM = "self_harm"
    SUICIDE = "suicide"
    EATING_DISORDERS = "eating_disorders"
    ABUSE = "abuse"
    SUBSTANCE_USE = "substance_use"
    GRIEF = "grief"
    TRAUMA = "trauma"


TOPIC_LABELS = {
    Topic.SELF_HARM: _("Self-harm"),
    Topic.SUICIDE: _("Suicide"),
    Topic.EATING_DISORDERS: _("Eating disorders"),
    Topic.ABUSE: _("Abuse"),
    Topic.SUBSTANCE_USE: _("Substance use"),
    Topic.GRIEF: _("Grief and loss"),
    Topic.TRAUMA: _("Trauma"),
}

TOPICS: tuple[str, ...] = tuple(t.value for t in Topic)


class FilterChoice(StrEnum):
    """What a person wants done with posts that carry a topic."""

    SHOW = "show"  # expanded, no click needed
    COLLAPSE = "collapse"  # the default: behind the warning, one click to read
    HIDE = "hide"  # not shown anywhere: thread pages, lists, feed, search, notifications


FILTER_LABELS = {
    FilterChoice.SHOW: _("Show"),
    FilterChoice.COLLAPSE: _("Collapse behind the warning"),
    FilterChoice.HIDE: _("Hide everywhere"),
}

#: Free-text warnings are short: a few words that name what is inside.
WARNING_TEXT_MAX = 120
MUTED_WORDS_MAX = 50
MUTED_WORD_MAX_LENGTH = 40


def topic_label(slug: str) -> str:
    try:
        return str(TOPIC_LABELS[Topic(slug)])
    except ValueError:
        return slug
