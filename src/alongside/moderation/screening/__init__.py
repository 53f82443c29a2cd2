"""Automated screening of text: pure Python, no Django, no I/O. ``scan(...)`` → findings.

INTERIM: the names below are the contract the moderation services are written against; the
detectors (harassment, spam, personal information, off-platform contact, method detail,
pro-self-harm and pro-eating-disorder language, medical misinformation) fill in ``scan``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
    """Every finding in ``text``. Never raises on any ``str``; linear time in its length."""
    return []
