"""Trust levels (Discourse-like): new accounts start at 0 and earn trust by reading and
taking part; sanctions take it away. Thresholds come from ``settings.MODERATION_TRUST``
(defaults below, from PRODUCT.md).

Reading is tracked minimally and privately: per person, counters only (threads entered,
posts seen, an estimate of reading time, days visited), each thread counted once a day.
What was read is never stored beyond the day's visit marker, which the periodic job forgets.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from alongside.moderation.models import Sanction, ThreadVisit, TrustStats

#: Per level: every counter must reach its threshold. Level 2 needs level 1's too.
DEFAULT_THRESHOLDS: dict[int, dict[str, int]] = {
    1: {"topics_entered": 5, "posts_read": 30, "reading_seconds": 10 * 60},
    2: {
        "days_visited": 15,
        "replies": 3,
        "topics_entered": 20,
        "posts_read": 100,
        "reading_seconds": 60 * 60,
    },
}
#: Reading time is estimated from posts shown (no script measures it): seconds per post,
#: capped per visit so leaving a tab open earns nothing.
SECONDS_PER_POST = 20
MAX_SECONDS_PER_VISIT = 5 * 60
VISIT_RETENTION_DAYS = 2
STAFF_LEVEL = 4


def thresholds() -> dict[int, dict[str, int]]:
    configured = getattr(settings, "MODERATION_TRUST", None) or {}
    merged = {level: dict(values) for level, values in DEFAULT_THRESHOLDS.items()}
    for level, values in configured.items():
        merged.setdefault(int(level), {}).update(values)
    return merged


def earned_level(stats: Any, *, replies: int | None = None) -> int:
    """The highest level whose every threshold ``stats`` meets (levels build on each other)."""
    counters = {
        "topics_entered": stats.topics_entered,
        "posts_read": stats.posts_read,
        "reading_seconds": stats.reading_seconds,
        "days_visited": stats.days_visited,
        "replies": stats.replies if replies is None else replies,
    }
    level = 0
    for candidate in sorted(thresholds()):
        needs = thresholds()[candidate]
        if all(counters.get(name, 0) >= value for name, value in needs.items()):
            level = candidate
        else:
            break
    return level


def sanction_penalty(user_ids: Iterable[int], *, now: datetime.datetime) -> dict[int, int | None]:
    """Per person: None when muted, suspended or banned now (trust falls to 0), otherwise the
    number of active warnings (each takes one level away)."""
    active = Q(revoked_at__isnull=True, starts_at__lte=now) & (
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )
    penalty: dict[int, int | None] = {}
    rows = (
        Sanction.objects.filter(active, user_id__in=list(user_ids))
        .values("user_id", "kind")
        .annotate(n=Count("id"))
    )
    for row in rows:
        uid = row["user_id"]
        if row["kind"] == Sanction.Kind.WARNING:
            if penalty.get(uid, 0) is not None:
                penalty[uid] = (penalty.get(uid) or 0) + row["n"]
        else:
            penalty[uid] = None
    return penalty


def _level_with(earned: int, penalty: int | None) -> int:
    if penalty is None:
        return 0
    return max(0, earned - penalty)


def _is_staff(user_id: int) -> bool:
    from alongside.accounts.models import RoleGrant

    return RoleGrant.objects.filter(
        user_id=user_id, role__in=("moderator", "admin"), community=""
    ).exists()


def trust_level(user_id: int | None) -> int:
    """The person's trust level now (0 for unknown people). Site moderators and admins: 4."""
    if user_id is None:
        return 0
    if _is_staff(user_id):
        return STAFF_LEVEL
    level = TrustStats.objects.filter(user_id=user_id).values_list("level", flat=True).first()
    return int(level or 0)


def reading_record(
    *, user_id: int, thread_id: int, posts_seen: int, now: datetime.datetime | None = None
) -> bool:
    """Count a thread page view: once per thread per day. Returns whether it counted."""
    now = now or timezone.now()
    day = now.date()
    posts_seen = max(0, min(int(posts_seen), 200))
    table = connection.ops.quote_name(ThreadVisit._meta.db_table)
    # Most views are repeats: one statement that inserts nothing (no transaction, no failed
    # insert logged as an error by PostgreSQL). Counting is best effort: should the counters
    # below fail, this view stays counted without them.
    # ``rowcount`` says whether a row went in (0 when the conflict left it out), on SQLite
    # versions without RETURNING too.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, thread_id, day) VALUES (%s, %s, %s) "  # noqa: S608
            "ON CONFLICT (user_id, thread_id, day) DO NOTHING",
            [user_id, thread_id, connection.ops.adapt_datefield_value(day)],
        )
        if cursor.rowcount != 1:
            return False  # counted already today (or a concurrent view counted it)
    try:
        with transaction.atomic():
            stats, _created = TrustStats.objects.get_or_create(user_id=user_id)
            new_day = stats.last_visit_on != day
            TrustStats.objects.filter(pk=user_id).update(
                topics_entered=F("topics_entered") + 1,
                posts_read=F("posts_read") + posts_seen,
                reading_seconds=F("reading_seconds")
                + min(posts_seen * SECONDS_PER_POST, MAX_SECONDS_PER_VISIT),
                days_visited=F("days_visited") + (1 if new_day else 0),
                last_visit_on=day,
            )
    except IntegrityError:
        return False  # the counters row appeared under us; this view is counted, not summed
    return True


def trust_recompute(
    *, user_ids: Iterable[int] | None = None, now: datetime.datetime | None = None
) -> int:
    """Recompute levels (all people with counters, or ``user_ids``); returns how many changed.
    Replies are counted from posts, one grouped query per batch."""
    from alongside.communities.models import Post, Status

    now = now or timezone.now()
    changed = 0
    queryset = TrustStats.objects.order_by("pk")
    if user_ids is not None:
        ids = list(user_ids)
        for uid in ids:
            TrustStats.objects.get_or_create(user_id=uid)
        queryset = queryset.filter(user_id__in=ids)
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last)[:500])
        if not batch:
            break
        last = batch[-1].pk
        batch_ids = [s.pk for s in batch]
        replies = dict(
            Post.objects.filter(author_id__in=batch_ids, is_opening=False, status=Status.VISIBLE)
            .values("author_id")
            .annotate(n=Count("id"))
            .values_list("author_id", "n")
        )
        penalties = sanction_penalty(batch_ids, now=now)
        for stats in batch:
            count = int(replies.get(stats.pk, 0))
            level = _level_with(earned_level(stats, replies=count), penalties.get(stats.pk, 0))
            if level != stats.level or count != stats.replies:
                changed += level != stats.level
                TrustStats.objects.filter(pk=stats.pk).update(
                    level=level, replies=count, computed_at=now
                )
    ThreadVisit.objects.filter(
        day__lt=(now - datetime.timedelta(days=VISIT_RETENTION_DAYS)).date()
    ).delete()
    return changed
