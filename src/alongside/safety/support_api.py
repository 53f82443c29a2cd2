"""The composer's draft check: ``POST /api/v1/safety/assess`` (API.md).

The caller's own unsent text is assessed and forgotten: nothing is stored (no risk event, no
case, no log line with the text) because a draft is not a post. The answer is the level and
the support payload, which the composer uses to offer help gently before posting; it never
blocks posting.

A light per-user limit keeps one account from turning the engine into a free text-scoring
service, but it must not stand between a person and help: over the limit the text is not
assessed again, and the answer still carries the support payload (``level`` is ``null``).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from alongside.accounts.middleware import actor_for_request
from alongside.core.api import USER_AUTH, ApiError
from alongside.safety.detection import RiskResult, assess
from alongside.safety.directory import valid_language
from alongside.safety.support import build_support, support_for

log = logging.getLogger(__name__)
router = Router(tags=["safety"])

#: As long as a post's body may be (communities.services.BODY_MAX): a draft is a post to be.
TEXT_MAX = 20_000
#: Checks per person per minute; the composer asks at most once every few seconds.
CHECKS_PER_MINUTE = 30


class AssessIn(Schema):
    text: str = Field(..., max_length=TEXT_MAX, description="The caller's own draft.")
    lang: str | None = Field(
        None, max_length=16, description="Language of the text (detected when left out)."
    )


class AssessOut(Schema):
    #: none/low/moderate/high/imminent; null when this check was skipped (too many checks).
    level: str | None
    #: What to offer the writer (hotlines, safety plan, grounding, a person), or null.
    support: dict[str, object] | None = None


def _over_limit(user_id: int) -> bool:
    """Fixed one-minute window in the cache. Fails open: without a working cache (Redis
    down), every check runs."""
    key = f"safety:assess:{user_id}:{int(time.time() // 60)}"
    try:
        cache.add(key, 0, timeout=90)
        count = cache.incr(key)
    except Exception:  # a cache problem must never cost someone a check
        return False
    return count > CHECKS_PER_MINUTE


@router.post(
    "/safety/assess",
    response=AssessOut,
    auth=USER_AUTH,
    summary="Check my draft for distress",
    description=(
        "Assesses the caller's own unsent text and returns the level and, from `low` up, "
        "support to offer (crisis lines for the caller's country and language, their safety "
        "plan, a grounding exercise, a person to talk to). Nothing is stored. Over a light "
        "per-person limit the text is not checked again and `level` is null, but support is "
        "still returned."
    ),
)
def safety_assess(request: HttpRequest, payload: AssessIn) -> dict[str, Any]:
    actor = actor_for_request(request)
    assert actor.user_id is not None  # USER_AUTH admitted a signed-in person
    if not payload.text.strip():
        raise ApiError(422, _("Write something to check."), "required", "text")
    lang = (payload.lang or "").strip().lower() or None
    if lang is not None and not valid_language(lang):
        raise ApiError(422, _("Use a language code, like en or zh-hans."), "invalid", "lang")
    if _over_limit(actor.user_id):
        general = RiskResult(level="low", subject="unknown")
        support = support_for(user_id=actor.user_id, result=general)
        return {"level": None, "support": support or build_support(level="low", subject="unknown")}
    try:
        result = assess(payload.text, lang=lang, surface="draft")
    except Exception:  # the engine promises not to raise; if it ever does, still offer help
        log.exception("draft check failed in the risk engine")
        return {"level": None, "support": build_support(level="low", subject="unknown")}
    return {"level": result.level, "support": support_for(user_id=actor.user_id, result=result)}
