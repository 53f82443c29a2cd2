"""Rate-limit policy: how often people may post, reply and report, per person and per address.

New accounts (trust level 0) get stricter limits, as in Discourse (a post every 30 s for new
users). The table can be overridden with ``settings.ALONGSIDE_RATE_LIMITS`` (same shape:
action → tier → list of ``[limit, window_seconds]``). Signup and login are limited by
allauth's own ``ACCOUNT_RATE_LIMITS`` (settings.py), which answers its headless API with 429.

Crisis paths (help page, hotlines, safety plan, ``/api/v1/safety/*``) never call this module.
Moderators and admins are not limited: they clean up floods.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from alongside.core.actor import Actor, Role
from alongside.core.ratelimit import limited

log = logging.getLogger(__name__)

Rules = list[tuple[int, int]]

#: action → tier ("new": trust level 0, "member": everyone else, "ip": per address) → rules
DEFAULT_POLICY: dict[str, dict[str, Rules]] = {
    "thread_create": {
        "new": [(3, 60), (15, 3600)],
        "member": [(6, 60), (40, 3600)],
        "ip": [(30, 60), (120, 3600)],
    },
    "post_create": {
        "new": [(6, 60), (60, 3600)],
        "member": [(20, 60), (400, 3600)],
        "ip": [(60, 60), (1200, 3600)],
    },
    "report_create": {
        "new": [(10, 3600)],
        "member": [(30, 3600)],
        "ip": [(60, 3600)],
    },
}


def policy() -> dict[str, dict[str, Rules]]:
    override: Any = getattr(settings, "ALONGSIDE_RATE_LIMITS", None) or {}
    merged = {action: dict(tiers) for action, tiers in DEFAULT_POLICY.items()}
    if isinstance(override, dict):
        for action, tiers in override.items():
            if isinstance(tiers, dict):
                merged.setdefault(str(action), {}).update(
                    {str(t): [(int(a), int(b)) for a, b in rules] for t, rules in tiers.items()}
                )
    return merged


def _trust_level(user_id: int) -> int:
    try:
        from alongside.moderation.trust import trust_level
    except ImportError:  # pragma: no cover - trust levels always ship with moderation
        return 0
    try:
        return int(trust_level(user_id))
    except Exception:  # a limit must never stop a write because trust could not be read
        log.warning("limits: trust level unavailable; treating as new")
        return 0


def enforce(*, actor: Actor, action: str) -> None:
    """Count one ``action`` by ``actor``; raise ``RateLimited`` (429 with ``Retry-After``)
    when the person or their address is over the policy's limit."""
    if not getattr(settings, "ALONGSIDE_RATE_LIMITS_ENABLED", True):
        return
    if actor.has_role(Role.MODERATOR) or actor.has_role(Role.ADMIN):
        return
    tiers = policy().get(action)
    if not tiers:
        return
    rules: list[tuple[str, int, int]] = []
    if actor.user_id is not None:
        tier = "new" if _trust_level(actor.user_id) <= 0 else "member"
        rules += [
            (f"{action}:user:{actor.user_id}:{window}", limit, window)
            for limit, window in tiers.get(tier, [])
        ]
    if actor.ip:
        rules += [
            (f"{action}:ip:{actor.ip}:{window}", limit, window)
            for limit, window in tiers.get("ip", [])
        ]
    if rules:
        detail = (
            _("You've sent a lot of reports in a short time. Please wait a little.")
            if action == "report_create"
            else _("You're posting faster than we allow. Please wait a little and try again.")
        )
        limited(*rules, detail=detail)
