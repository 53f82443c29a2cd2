"""The risk engine: pure Python, no I/O, no Django. ``assess(text)`` → :class:`RiskResult`.

INTERIM: this module fixes the public shape other code is written against; the rule engine
(data-file lexicons, negation, reported speech, idioms, obfuscation, Chinese) replaces the body
of :func:`assess` without changing the names below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Ordered from least to most urgent (API.md "Risk levels").
LEVELS: tuple[str, ...] = ("none", "low", "moderate", "high", "imminent")
SUBJECTS: tuple[str, ...] = ("self", "other", "unknown")
CATEGORIES: tuple[str, ...] = (
    "suicidal_ideation",
    "self_harm",
    "plan_means_timeline",
    "preparatory_acts",
    "hopelessness",
    "perceived_burden",
    "isolation",
    "past_attempt",
    "harm_to_others",
    "abuse_danger",
    "eating_disorder",
    "substance_crisis",
    "distress",
)
VERSION = "interim-0"


def level_rank(level: str) -> int:
    return LEVELS.index(level)


@dataclass(frozen=True)
class Evidence:
    start: int
    end: int
    text: str
    rule: str
    category: str


@dataclass(frozen=True)
class RiskResult:
    level: str = "none"
    score: float = 0.0
    subject: str = "unknown"
    categories: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    lang: str = "en"
    #: The text describes how to harm oneself (method details): held for review, never shown.
    method_detail: bool = False
    version: str = VERSION

    def at_least(self, level: str) -> bool:
        return level_rank(self.level) >= level_rank(level)


_IDEATION = re.compile(r"\b(kill (?:myself|herself|himself)|want to die|end (?:my|it all))\b", re.I)
_IMMINENT = re.compile(r"\b(tonight|saving my pills|saved (?:up )?(?:my )?pills)\b", re.I)
_OTHER = re.compile(r"\b(my (?:friend|sister|brother|mum|mom|dad|partner)|she|he)\b", re.I)


def assess(text: str, *, lang: str | None = None, surface: str = "post") -> RiskResult:
    """Assess one text. Never raises on any ``str`` input; linear time in its length."""
    found = _IDEATION.search(text) or _IMMINENT.search(text)
    if not found:
        return RiskResult(lang=lang or "en")
    evidence = [
        Evidence(
            found.start(), found.end(), found.group(0), "interim.ideation", "suicidal_ideation"
        )
    ]
    level, categories = "high", ["suicidal_ideation"]
    soon = _IMMINENT.search(text)
    if soon:
        evidence.append(
            Evidence(
                soon.start(), soon.end(), soon.group(0), "interim.imminence", "plan_means_timeline"
            )
        )
        level = "imminent"
        categories.append("plan_means_timeline")
    subject = "other" if _OTHER.search(text[: found.start()]) else "self"
    return RiskResult(
        level=level,
        score=0.9 if level == "imminent" else 0.75,
        subject=subject,
        categories=tuple(categories),
        evidence=tuple(evidence),
        lang=lang or "en",
    )
