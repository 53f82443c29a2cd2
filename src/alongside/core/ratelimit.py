"""Rate limits: fixed windows counted in Redis when configured, in the database otherwise.

A limit is ``limit`` events per ``window`` seconds under a key (``"post:user:42"``,
``"signup:ip:203.0.113.9"``). Windows are aligned to multiples of ``window`` since the epoch,
so every process agrees on where a window starts without talking to the others.

Backends, in order:

- **Redis** (``settings.REDIS_URL``): one pipeline ``INCR`` + ``EXPIRE NX`` (atomic, one round
  trip). A Redis error opens a short circuit breaker and the call falls through to the
  database, so a Redis outage costs one timeout every few seconds, not one per request.
- **Database** (:class:`~alongside.core.models.RateLimitWindow`): one ``INSERT … ON CONFLICT
  DO UPDATE … RETURNING`` (an atomic upsert on SQLite ≥ 3.35 and PostgreSQL). Old windows are
  purged by the ``core.ratelimit_purge`` periodic job.

Limits are abuse controls, never a reason for the site to fail: when no backend answers,
:func:`hit` allows and logs. Crisis paths (help page, hotlines, safety plan, the safety API)
must never call this module.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from alongside.core.api import ApiError
from alongside.core.http import client_ip, json_error, wants_json

log = logging.getLogger(__name__)

#: After a Redis error, skip Redis for this long (seconds) and count in the database.
BREAKER_SECONDS = 5.0
REDIS_PREFIX = "alongside:rl:"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    #: seconds until the window resets (for ``Retry-After``), 0 when allowed
    retry_after: int = 0
    remaining: int = 0


def _window(window: int, now: float) -> tuple[int, int]:
    """(index of the window containing ``now``, whole seconds until it ends, at least 1)."""
    index = int(now // window)
    left = math.ceil((index + 1) * window - now)
    return index, max(1, left)


def _decide(count: int, limit: int, left: int) -> Decision:
    if count <= limit:
        return Decision(allowed=True, retry_after=0, remaining=limit - count)
    return Decision(allowed=False, retry_after=left, remaining=0)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


# --- Redis -------------------------------------------------------------------------------


class _State:
    """The process's Redis client and circuit breaker."""

    lock = threading.Lock()
    client: Any = None
    url = ""
    breaker_until = 0.0


def _redis() -> Any:
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return None
    with _State.lock:
        if _State.client is None or url != _State.url:
            import redis

            _State.client = redis.Redis.from_url(
                url, socket_connect_timeout=0.3, socket_timeout=0.5
            )
            _State.url = url
        return _State.client


def _hit_redis(client: Any, key: str, *, limit: int, window: int, now: float) -> Decision:
    index, left = _window(window, now)
    name = f"{REDIS_PREFIX}{window}:{index}:{_digest(key)}"
    pipe = client.pipeline(transaction=True)
    pipe.incr(name)
    # NX: the first hit of a window sets its lifetime; later hits never extend it.
    pipe.expire(name, left + 1, nx=True)
    count = int(pipe.execute()[0])
    return _decide(count, limit, left)


def reset_breaker() -> None:
    """Forget a past Redis failure (tests; an operator after fixing Redis)."""
    _State.breaker_until = 0.0


def _reset_client() -> None:
    with _State.lock:
        _State.client = None


# --- database ----------------------------------------------------------------------------

_UPSERT = (
    'INSERT INTO {table} ("key", "window_start", "count", "expires_at") '
    "VALUES (%s, %s, 1, %s) "
    'ON CONFLICT ("key", "window_start") DO UPDATE SET "count" = {table}."count" + 1 '
    'RETURNING "count"'
)


def _hit_database(key: str, *, limit: int, window: int, now: float) -> Decision:
    from alongside.core.models import RateLimitWindow

    index, left = _window(window, now)
    expires = datetime.datetime.fromtimestamp((index + 1) * window, tz=datetime.UTC)
    table = connection.ops.quote_name(RateLimitWindow._meta.db_table)
    # A savepoint: a failed count must not poison the caller's transaction.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_UPSERT.format(table=table), [_digest(key), index, expires])
        row = cursor.fetchone()
    count = int(row[0]) if row else 1
    return _decide(count, limit, left)


def purge_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete database windows that ended; returns how many rows went."""
    from alongside.core.models import RateLimitWindow

    deleted, _counts = RateLimitWindow.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted


# --- public ------------------------------------------------------------------------------


def hit(key: str, *, limit: int, window: int) -> Decision:
    """Count one event under ``key`` and say whether it is within ``limit`` per ``window``
    seconds. Never raises: when no backend answers it allows (a limit must not take the site
    down) and logs once."""
    try:
        limit = int(limit)
        window = max(1, int(window))
    except (TypeError, ValueError):
        log.error("ratelimit: bad limit/window for a key; allowed")
        return Decision(allowed=True, remaining=0)
    if limit <= 0:
        return Decision(allowed=False, retry_after=window, remaining=0)
    now = time.time()
    if time.monotonic() >= _State.breaker_until:
        try:
            client = _redis()
            if client is not None:
                return _hit_redis(client, key, limit=limit, window=window, now=now)
        except Exception as exc:
            _State.breaker_until = time.monotonic() + BREAKER_SECONDS
            log.warning(
                "ratelimit: redis unavailable (%s), counting in the database for %.0fs",
                type(exc).__name__,
                BREAKER_SECONDS,
            )
    try:
        return _hit_database(key, limit=limit, window=window, now=now)
    except Exception as exc:
        log.error("ratelimit: no backend answered (%s); allowed", type(exc).__name__)
        return Decision(allowed=True, remaining=limit)


class RateLimited(ApiError):
    """429 ``{detail, code: "rate_limited"}`` with ``Retry-After``; API handlers answer it
    as it is, and page views show ``detail`` next to the form like any service refusal."""

    def __init__(self, decision: Decision, detail: str | None = None) -> None:
        retry = max(1, decision.retry_after)
        super().__init__(
            429,
            detail or _("You're doing that too often. Please wait a little and try again."),
            "rate_limited",
            headers={"Retry-After": str(retry)},
        )
        self.retry_after = retry


def limited(
    *rules: tuple[str, int, int],
    detail: str | None = None,
) -> None:
    """Count one event under every ``(key, limit, window)`` rule; raise :class:`RateLimited`
    (with the longest ``Retry-After``) when any is over its limit.

    Every rule is counted even when an earlier one is already over, so a client hammering one
    key cannot dodge another.
    """
    worst: Decision | None = None
    for key, limit, window in rules:
        decision = hit(key, limit=limit, window=window)
        if not decision.allowed and (worst is None or decision.retry_after > worst.retry_after):
            worst = decision
    if worst is not None:
        raise RateLimited(worst, detail)


def ip_key(request: HttpRequest, action: str) -> str:
    return f"{action}:ip:{client_ip(request) or 'unknown'}"


def user_key(user_id: int | str, action: str) -> str:
    return f"{action}:user:{user_id}"


def too_many(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    """The 429 answer for a page or plain Django view: JSON for API clients, a page otherwise."""
    if wants_json(request):
        return json_error(429, exc.detail, exc.code, Retry_After=str(exc.retry_after))
    from django.shortcuts import render

    try:
        response = render(
            request,
            "core/error.html",
            {"title": _("Please slow down"), "message": exc.detail},
            status=429,
        )
    except Exception:  # the error page itself must never fail
        response = HttpResponse(exc.detail, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response
