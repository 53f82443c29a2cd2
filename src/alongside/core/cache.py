"""A Redis cache that degrades instead of failing when Redis is unreachable.

Caching and rate limiting are optimisations and abuse controls; neither may take the site
down. While Redis is unreachable, reads miss, writes are dropped, and counters fail open;
a short circuit breaker avoids paying a connection timeout on every call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)
T = TypeVar("T")
OPEN_SECONDS = 5.0


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = params.setdefault("OPTIONS", {})
        options.setdefault("socket_connect_timeout", 0.3)
        options.setdefault("socket_timeout", 0.5)
        super().__init__(server, params)
        self._open_until = 0.0

    def _guard(self, call: Callable[[], T], fallback: T) -> T:
        if time.monotonic() < self._open_until:
            return fallback
        try:
            return call()
        except Exception as exc:
            if not _is_redis_error(exc):
                raise
            self._open_until = time.monotonic() + OPEN_SECONDS
            log.warning("redis unavailable, cache degraded for %.0fs", OPEN_SECONDS)
            return fallback

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._open_until

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._guard(
            lambda: super(ResilientRedisCache, self).get(key, default, version), default
        )

    def set(self, key: Any, value: Any, timeout: Any = 300, version: Any = None) -> None:  # type: ignore[override]
        self._guard(
            lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None
        )

    def add(self, key: Any, value: Any, timeout: Any = 300, version: Any = None) -> bool:  # type: ignore[override]
        return self._guard(
            lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), True
        )

    def touch(self, key: Any, timeout: Any = 300, version: Any = None) -> bool:  # type: ignore[override]
        return self._guard(
            lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False
        )

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).delete(key, version), False)

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return self._guard(lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def set_many(self, data: Any, timeout: Any = 300, version: Any = None) -> list[Any]:  # type: ignore[override]
        return self._guard(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), []
        )

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._guard(lambda: super(ResilientRedisCache, self).delete_many(keys, version), None)

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).has_key(key, version), False)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        return self._guard(lambda: super(ResilientRedisCache, self).incr(key, delta, version), 0)

    def clear(self) -> None:
        self._guard(lambda: super(ResilientRedisCache, self).clear(), None)


def _is_redis_error(exc: Exception) -> bool:
    import redis

    return isinstance(
        exc, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
    )
