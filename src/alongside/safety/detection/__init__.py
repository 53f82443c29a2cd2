"""The risk engine: pure Python, no I/O beyond its own rule files, no Django.

``assess(text)`` → :class:`RiskResult` (API.md "Risk levels"). Rules and lexicons live in
``data/*.toml`` (reviewed like code); ``engine.py`` explains how a level comes about;
``evaluation.py`` scores predictions against labelled data.
"""

from __future__ import annotations

from alongside.safety.detection.engine import SURFACES, assess
from alongside.safety.detection.language import detect as detect_language
from alongside.safety.detection.result import (
    CATEGORIES,
    DISCOUNT_REASONS,
    LEVELS,
    MODIFIERS,
    SUBJECTS,
    Evidence,
    RiskResult,
    level_rank,
)
from alongside.safety.detection.version import VERSION

__all__ = [
    "CATEGORIES",
    "DISCOUNT_REASONS",
    "LEVELS",
    "MODIFIERS",
    "SUBJECTS",
    "SURFACES",
    "VERSION",
    "Evidence",
    "RiskResult",
    "assess",
    "detect_language",
    "level_rank",
]
