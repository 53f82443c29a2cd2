"""What a writer is shown at once when their words show distress (API.md: ``support``).

INTERIM: the shape is fixed here so the crisis queue and the communities app can be written
against it; the full payload (grounding exercise, ask-for-a-person, helping-a-friend resources,
safety-plan state) lands with the support-in-the-moment work.
"""

from __future__ import annotations

from typing import Any

from alongside.safety.detection import RiskResult, level_rank


def support_for(
    *, user_id: int | None, result: RiskResult, country: str | None = None, lang: str | None = None
) -> dict[str, Any] | None:
    """The support payload for ``result``, or ``None`` below ``low``.

    Never raises and never needs Redis: it reads the in-memory hotline directory and at most
    the writer's profile and safety-plan existence.
    """
    if level_rank(result.level) < level_rank("low"):
        return None
    return {"level": result.level, "subject": result.subject, "hotlines": []}
