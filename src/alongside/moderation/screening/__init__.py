"""Automated screening of text: pure Python, no Django, no I/O. ``scan(...)`` → findings.

Detectors: harassment, threats and hate (lexicon rules with context: quoting, reported
speech, negation); spam (links from accounts without ``links_allowed``, link farms,
repetition of the writer's recent texts, flood, ALL CAPS walls); personal information (phone
numbers, emails, street addresses; crisis lines, years and prices are not numbers of a
person); off-platform contact; method detail (held, never echoed to the writer);
pro-self-harm and pro-eating-disorder promotion (not people describing their own struggle or
recovery); medical misinformation. English and Simplified Chinese.

Rules and thresholds live in ``data/*.toml``; every finding names its rule as evidence.
Each finding's action is the rule's own; the caller (``moderation.services.screen``) turns
findings and the writer's trust level into one verdict.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)
#: Longest excerpt carried as evidence (characters of the original text).
EXCERPT_MAX = 120
#: Texts longer than this are screened on their first ``MAX_SCAN`` characters only.
MAX_SCAN = 200_000
#: Rules about the text as a whole (or the writer's pace): their evidence is the rule itself.
_WHOLE_TEXT_RULES = frozenset(
    {"spam.repetition", "spam.repetition_many", "spam.flood", "spam.caps_wall"}
)

#: What a finding asks for, least to most severe.
ACTIONS: tuple[str, ...] = ("flag", "hold", "block")
KINDS: tuple[str, ...] = (
    "harassment",
    "threat",
    "hate",
    "spam_link",
    "repetition",
    "flood",
    "personal_info",
    "off_platform_contact",
    "method_detail",
    "pro_self_harm",
    "pro_eating_disorder",
    "misinformation",
)


@dataclass(frozen=True)
class Author:
    """What the detectors may know about the writer (never who they are)."""

    trust_level: int = 0
    account_age_days: float = 0.0
    #: the writer's own recent texts on the site, newest first (for repetition and flood)
    recent_texts: Sequence[str] = ()
    #: seconds since each of those texts, same order
    recent_ages: Sequence[float] = ()
    links_allowed: bool = False


@dataclass(frozen=True)
class Finding:
    kind: str
    #: 1 (minor) … 5 (severe); orders the queue
    severity: int
    action: str
    rule: str
    start: int
    end: int
    excerpt: str
    #: shown to the writer when the action is ``block`` (translated by the caller's gettext)
    message: str = ""


def scan(text: str, *, author: Author = Author()) -> list[Finding]:
    """Every finding in ``text``, most severe first. Never raises on any ``str``; linear time
    in its length. Overlapping findings of the same kind are merged into the most severe."""
    try:
        return _scan(text, author)
    except Exception:  # a detector bug must not stop a person from posting
        log.exception("screening failed; text allowed unscreened")
        return []


def _excerpt(text: str, start: int, end: int) -> str:
    piece = text[start:end]
    if len(piece) > EXCERPT_MAX:
        piece = piece[: EXCERPT_MAX - 1] + "…"
    return piece.encode("utf-8", "replace").decode("utf-8")


def _scan(text: str, author: Author) -> list[Finding]:
    from alongside.moderation.screening import heuristics as h
    from alongside.moderation.screening.rules import MESSAGES, heuristics, match_lexicon
    from alongside.moderation.screening.text import forms

    if not isinstance(text, str) or not text.strip():
        return []
    text = text[:MAX_SCAN]
    folded = forms(text)
    found: list[Finding] = []
    for match in match_lexicon(folded):
        rule = match.rule
        found.append(
            Finding(
                kind=rule.kind,
                severity=rule.severity,
                action=rule.action,
                rule=rule.id,
                start=match.start,
                end=match.end,
                excerpt=_excerpt(text, match.start, match.end),
                message=MESSAGES.get(rule.message, "") if rule.action == "block" else "",
            )
        )
    ids = heuristics()["ids"]
    hits = [
        *h.links(folded, links_allowed=bool(author.links_allowed)),
        *h.repetition(text, author.recent_texts or ()),
        *h.flood(text, author.recent_ages or (), new_account=author.trust_level <= 0),
        *h.caps_wall(text),
        *h.personal_info(folded),
    ]
    for rule_id, start, end in hits:
        kind, severity, action = ids[rule_id]
        whole = rule_id in _WHOLE_TEXT_RULES
        found.append(
            Finding(
                kind=kind,
                severity=int(severity),
                action=action,
                rule=rule_id,
                start=start,
                end=end,
                # a whole-text finding (flood, repetition) needs no excerpt of the text
                excerpt="" if whole else _excerpt(text, start, end),
            )
        )
    return _merge(found)


def _merge(found: list[Finding]) -> list[Finding]:
    """Drop a finding covered by a more severe (or equal, earlier) one of the same kind."""
    ordered = sorted(
        found, key=lambda f: (-f.severity, -ACTIONS.index(f.action), f.start, -(f.end - f.start))
    )
    kept: list[Finding] = []
    by_kind: dict[str, list[Finding]] = {}
    for finding in ordered:
        others = by_kind.setdefault(finding.kind, [])
        if any(o.start <= finding.start and finding.end <= o.end for o in others[:50]):
            continue
        others.append(finding)
        kept.append(finding)
    return kept
