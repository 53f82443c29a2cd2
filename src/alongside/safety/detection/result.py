"""The engine's public vocabulary: levels, subjects, categories and the result types."""

from __future__ import annotations

from dataclasses import dataclass, field

from alongside.safety.detection.version import VERSION

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
#: Why a match that looked like risk language did not count (``RiskResult.discounted``).
DISCOUNT_REASONS: tuple[str, ...] = (
    "idiom",
    "negated",
    "second_person",
    "generic",
    "fiction",
    "reported",
    "about_other",
    "needs_context",
)
#: How the context changed the level of a match that still counts (``Evidence.modifiers``).
MODIFIERS: tuple[str, ...] = (
    "hypothetical",
    "past",
    "recent",
    "recovery",
    "no_subject",
    "escalated",
    "combined",
)

_RANK = {level: rank for rank, level in enumerate(LEVELS)}


def level_rank(level: str) -> int:
    """0 for ``none`` … 4 for ``imminent``; raises ``ValueError`` for an unknown level."""
    try:
        return _RANK[level]
    except KeyError:
        raise ValueError(f"unknown risk level {level!r}") from None


@dataclass(frozen=True)
class Evidence:
    """One matched span of the ORIGINAL text and the rule that matched it."""

    start: int
    end: int
    text: str
    rule: str
    category: str
    #: The level this match contributes after its context was weighed.
    level: str = "none"
    #: ``self`` / ``other`` / ``unknown``: whose risk this match is about.
    subject: str = "unknown"
    #: Context that changed the level (see ``MODIFIERS``), or why it did not count
    #: (one of ``DISCOUNT_REASONS``, for entries of ``RiskResult.discounted``).
    modifiers: tuple[str, ...] = ()
    #: For a discounted match: the idiom rule that explained it away, if any.
    by: str = ""

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "rule": self.rule,
            "category": self.category,
            "level": self.level,
            "subject": self.subject,
        }
        if self.modifiers:
            data["modifiers"] = list(self.modifiers)
        if self.by:
            data["by"] = self.by
        return data


@dataclass(frozen=True)
class RiskResult:
    level: str = "none"
    #: 0..1, monotonic in ``level`` (each level owns a band): an ordinal strength, not a
    #: calibrated probability.
    score: float = 0.0
    subject: str = "unknown"
    categories: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    lang: str = "en"
    #: The text describes how to harm oneself (method details): held for review, never shown.
    method_detail: bool = False
    version: str = VERSION
    #: Matches that looked like risk language but did not count (idiom, negation, second
    #: person, generic statement, fiction, reported speech), so a reviewer can see why.
    discounted: tuple[Evidence, ...] = field(default_factory=tuple)

    def at_least(self, level: str) -> bool:
        return level_rank(self.level) >= level_rank(level)

    @property
    def rules(self) -> tuple[str, ...]:
        """The rule ids behind the level, in order of appearance, without repeats."""
        return tuple(dict.fromkeys(e.rule for e in self.evidence))
