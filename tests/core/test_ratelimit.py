"""Rate limits: both backends count the same way, Redis falls back to the database, nothing
ever raises out of ``hit``."""

from __future__ import annotations

import datetime
import os
import uuid

import pytest
from django.test import override_settings
from django.utils import timezone

from alongside.core import ratelimit
from alongside.core.models import RateLimitWindow
from alongside.core.ratelimit import RateLimited, hit, limited

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set")


@pytest.fixture(autouse=True)
def _fresh_breaker() -> None:
    ratelimit.reset_breaker()
    ratelimit._reset_client()
    yield
    ratelimit.reset_breaker()
    ratelimit._reset_client()


def _key() -> str:
    return f"test:{uuid.uuid4().hex}"


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch):
    """A clock the test moves by hand, starting just after the start of a 60 s window."""
    now = [1_800_000_000.0 + 1.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    return now


def _counts_within_a_window_then_refuses_with_retry_after(frozen: list[float]) -> None:
    key = _key()
    decisions = [hit(key, limit=3, window=60) for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, True]
    assert [d.remaining for d in decisions] == [2, 1, 0]
    refused = hit(key, limit=3, window=60)
    assert not refused.allowed
    assert refused.retry_after == 59
    # Another key is counted on its own.
    assert hit(_key(), limit=3, window=60).allowed
    # The next window starts afresh.
    frozen[0] += 60
    assert hit(key, limit=3, window=60).allowed


@pytest.mark.django_db
@override_settings(REDIS_URL="")
def test_database_backend_counts_per_window_and_refuses_over_the_limit(frozen) -> None:
    _counts_within_a_window_then_refuses_with_retry_after(frozen)
    assert RateLimitWindow.objects.exists()


@pytest.mark.django_db
@override_settings(REDIS_URL="")
def test_database_backend_stores_no_key_in_clear(frozen) -> None:
    hit("post:ip:203.0.113.9", limit=5, window=60)
    stored = RateLimitWindow.objects.get()
    assert "203.0.113.9" not in stored.key
    assert stored.count == 1


@pytest.mark.django_db
@override_settings(REDIS_URL="")
def test_purge_deletes_only_windows_that_ended() -> None:
    hit(_key(), limit=5, window=60)
    # Windows are aligned to the clock: an hour window can end within the next five minutes,
    # a thirty-day one (practically) cannot.
    hit(_key(), limit=5, window=30 * 86400)
    assert ratelimit.purge_expired(now=timezone.now()) == 0
    later = timezone.now() + datetime.timedelta(minutes=5)
    assert ratelimit.purge_expired(now=later) == 1
    assert RateLimitWindow.objects.count() == 1


def test_purge_job_is_registered_with_the_core_jobs() -> None:
    from alongside.core import scheduler

    jobs = {job.name: job for job in scheduler.registered()}
    assert jobs["core.ratelimit_purge"].task == "alongside.core.tasks.ratelimit_purge"


@pytest.mark.django_db
@override_settings(REDIS_URL="")
def test_a_database_failure_allows_instead_of_raising(monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(ratelimit, "_hit_database", broken)
    decision = hit(_key(), limit=1, window=60)
    assert decision.allowed


@pytest.mark.django_db
@override_settings(REDIS_URL="")
def test_a_zero_limit_always_refuses() -> None:
    assert not hit(_key(), limit=0, window=60).allowed


@pytest.mark.django_db
@override_settings(REDIS_URL="")
def test_limited_raises_429_with_the_longest_retry_after(frozen) -> None:
    short, long = _key(), _key()
    limited((short, 1, 10), (long, 1, 3600))
    with pytest.raises(RateLimited) as caught:
        limited((short, 1, 10), (long, 1, 3600))
    assert caught.value.status == 429
    assert caught.value.code == "rate_limited"
    assert int(caught.value.headers["Retry-After"]) > 10


@pytest.mark.django_db
@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_unreachable_redis_falls_back_to_the_database(frozen) -> None:
    _counts_within_a_window_then_refuses_with_retry_after(frozen)
    # The counting happened in the database, and the breaker now skips Redis.
    assert RateLimitWindow.objects.exists()
    assert ratelimit._State.breaker_until > 0


@needs_redis
@pytest.mark.redis
@pytest.mark.django_db
@override_settings(REDIS_URL=REDIS_URL)
def test_redis_backend_counts_per_window_and_refuses_over_the_limit(frozen) -> None:
    _counts_within_a_window_then_refuses_with_retry_after(frozen)
    # Redis did the counting: nothing was written to the database.
    assert not RateLimitWindow.objects.exists()


@needs_redis
@pytest.mark.redis
@override_settings(REDIS_URL=REDIS_URL)
def test_redis_windows_expire_by_themselves(frozen) -> None:
    import redis

    key = _key()
    hit(key, limit=5, window=60)
    client = redis.Redis.from_url(REDIS_URL)
    names = client.keys(f"{ratelimit.REDIS_PREFIX}60:*{ratelimit._digest(key)}")
    assert len(names) == 1
    assert 0 < client.ttl(names[0]) <= 61


@needs_redis
@pytest.mark.redis
@pytest.mark.django_db
@override_settings(REDIS_URL=REDIS_URL)
def test_redis_error_mid_flight_falls_back_to_the_database(monkeypatch, frozen) -> None:
    import redis

    def down(*args, **kwargs):
        raise redis.exceptions.ConnectionError("stopped")

    monkeypatch.setattr(ratelimit, "_hit_redis", down)
    key = _key()
    assert hit(key, limit=1, window=60).allowed
    assert not hit(key, limit=1, window=60).allowed
    assert RateLimitWindow.objects.count() == 1
