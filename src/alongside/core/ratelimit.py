"""Rate limits: fixed windows counted in Redis when configured, in the database otherwise.

INTERIM: the contract the moderation and accounts code is written against; the counting
backends fill in :func:`hit`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    #: seconds until the window resets (for ``Retry-After``), 0 when allowed
    retry_after: int = 0
    remaining: int = 0


def hit(key: str, *, limit: int, window: int) -> Decision:
    """Count one event under ``key`` and say whether it is within ``limit`` per ``window``
    seconds. Never raises: when no backend answers it allows (a limit must not take the site
    down) and logs once."""
    return Decision(allowed=True, remaining=limit)
