"""Moderation entry point for text written anywhere on the site."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from alongside.core.actor import Actor


class Verdict(StrEnum):
    ALLOW = "allow"
    FLAG = "flag"  # publish, and put it in the moderators' queue
    HOLD = "hold"  # keep it from others until a moderator approves
    BLOCK = "block"  # refuse the write with ``message``


@dataclass(frozen=True)
class ScreenResult:
    verdict: Verdict = Verdict.ALLOW
    #: each flag: {"rule", "category", "evidence"} so the moderator sees why
    flags: tuple[dict[str, str], ...] = field(default_factory=tuple)
    message: str = ""


ALLOWED = ScreenResult()


def screen(
    *,
    actor: Actor,
    surface: str,
    text: str,
    community: str = "",
    object_type: str = "",
    object_id: int | str | None = None,
) -> ScreenResult:
    """The one entry point through which every app hands text to moderation.

    Called inside the owning app's write transaction, after the row exists, so flags commit
    or roll back with the write. Until automated screening lands (issue 5) everything is
    allowed and nothing is recorded.
    """
    return ALLOWED
