"""Writes of notifications: create (or merge), mark read, release pushes held by quiet hours.

Other apps call :func:`notify` inside their own write transaction, so a rolled-back reply
leaves no notification and pushes nothing (the push is sent after commit by ``realtime``).
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from alongside.accounts.models import NOTIFY_KINDS, User
from alongside.accounts.selectors import Filters, filters_for, is_blocked_by, preferences_get
from alongside.core.realtime import event_publish
from alongside.notifications.models import Notification
from alongside.notifications.selectors import (
    notification_item,
    recipient_actor,
    recipient_filters,
    unread_count,
)

log = logging.getLogger(__name__)

#: A merged notification (more reactions) is pushed again only after this long.
PUSH_AGAIN_AFTER = datetime.timedelta(minutes=10)
EVENT_NOTIFICATION = "notification"
EVENT_READ = "notifications.read"
RELEASE_BATCH = 200


def quiet_hours_end(
    *,
    now: datetime.datetime,
    start: datetime.time | None,
    end: datetime.time | None,
    time_zone: str,
) -> datetime.datetime | None:
    """When the quiet hours that contain ``now`` end (UTC), or None outside quiet hours.

    ``start`` and ``end`` are wall-clock times in the person's zone; a window may wrap past
    midnight (22:00-07:00). Wall-clock arithmetic keeps "07:00" right across DST changes.
    """
    if start is None or end is None or start == end:
        return None
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    # A window that wraps past midnight is quiet before its end or after its start.
    quiet = (start <= clock < end) if start < end else (clock >= start or clock < end)
    if not quiet:
        return None
    ends = datetime.datetime.combine(local.date(), end, tzinfo=zone)
    if ends <= local:
        ends = datetime.datetime.combine(
            local.date() + datetime.timedelta(days=1), end, tzinfo=zone
        )
    return ends.astimezone(datetime.UTC)


def _plain_json(data: dict[str, Any]) -> dict[str, Any]:
    try:
        plain = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    except (TypeError, ValueError) as exc:
        raise TypeError("notification data must be plain JSON") from exc
    if not isinstance(plain, dict):
        raise TypeError("notification data must be a JSON object")
    return plain


def _publish(notification: Notification, *, user: User, filters: Filters) -> None:
    """Append the live push to the recipient's stream (sent after commit), in their language."""
    with translation.override(user.locale or "en"):
        item = notification_item(notification, filters=filters)
    payload = {**item, "unread_count": unread_count(user_id=user.pk)}
    event_publish(
        user_id=user.pk,
        type=EVENT_NOTIFICATION,
        data=json.loads(json.dumps(payload, cls=DjangoJSONEncoder)),
    )


def _schedule(
    notification: Notification, *, now: datetime.datetime, hold_until: datetime.datetime | None
) -> bool:
    """Decide the push of a new or merged notification; True when it goes out now."""
    pushed = notification.delivered_at
    if pushed is not None and now - pushed < PUSH_AGAIN_AFTER:
        return False  # pushed a moment ago: the list shows the new count, no second buzz
    if hold_until is not None:
        notification.deliver_after = hold_until
        notification.delivered_at = None
        return False
    notification.deliver_after = None
    notification.delivered_at = now
    return True


def _merge(
    existing: Notification,
    *,
    data: dict[str, Any],
    now: datetime.datetime,
    hold_until: datetime.datetime | None,
) -> bool:
    existing.count += 1
    existing.data = data
    existing.updated_at = now
    push = _schedule(existing, now=now, hold_until=hold_until)
    existing.save(update_fields=["count", "data", "updated_at", "deliver_after", "delivered_at"])
    return push


def _unread_in_group(*, user_id: int, group_key: str) -> Notification | None:
    return (
        Notification.objects.select_for_update()
        .filter(user_id=user_id, group_key=group_key, read_at__isnull=True)
        .first()
    )


def notify(
    *,
    user_id: int,
    kind: str,
    data: dict[str, Any],
    actor_user_id: int | None = None,
    group_key: str = "",
    urgent: bool = False,
) -> Notification | None:
    """Tell ``user_id`` that something concerns them; None when they are not to be told.

    Silent when the person caused it themselves, when they blocked or muted whoever caused it,
    when they switched the kind off (moderator actions on their content always reach them:
    they carry the reason and the way to appeal) or when their account is inactive.
    ``actor_user_id`` is used for these checks only and stored nowhere: the author may be
    anonymous. ``data`` must hold only what the recipient may see. Call it inside the write
    transaction that caused it. ``urgent`` pushes through quiet hours (crisis-queue alerts to
    responders: being on call is the choice to be disturbed).
    """
    if kind not in Notification.Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    if actor_user_id is not None and actor_user_id == user_id:
        return None
    plain = _plain_json(data)
    user = (
        User.objects.filter(pk=user_id, is_active=True)
        .only("pk", "time_zone", "locale", "birth_year")
        .first()
    )
    if user is None:
        return None
    if actor_user_id is not None and is_blocked_by(user_id=user_id, target_id=actor_user_id):
        return None
    prefs = preferences_get(user_id=user_id)
    if kind in NOTIFY_KINDS and (prefs.notify or {}).get(kind, True) is False:
        return None
    now = timezone.now()
    hold_until = (
        None
        if urgent
        else quiet_hours_end(
            now=now,
            start=prefs.quiet_hours_start,
            end=prefs.quiet_hours_end,
            time_zone=user.time_zone,
        )
    )
    with transaction.atomic():
        existing = _unread_in_group(user_id=user_id, group_key=group_key) if group_key else None
        if existing is not None:
            notification = existing
            push = _merge(existing, data=plain, now=now, hold_until=hold_until)
        else:
            notification = Notification(
                user_id=user_id,
                kind=kind,
                data=plain,
                group_key=group_key,
                created_at=now,
                updated_at=now,
            )
            push = _schedule(notification, now=now, hold_until=hold_until)
            if not group_key:
                notification.save()  # ungrouped: nothing to race with
            else:
                try:
                    with transaction.atomic():  # a savepoint: a racing insert of the group wins
                        notification.save()
                except IntegrityError:
                    raced = _unread_in_group(user_id=user_id, group_key=group_key)
                    if raced is None:
                        raise
                    notification = raced
                    push = _merge(raced, data=plain, now=now, hold_until=hold_until)
        if push:
            _publish(notification, user=user, filters=filters_for(recipient_actor(user)))
    return notification


def notifications_mark_read(*, user_id: int, ids: Sequence[int] | None = None) -> int:
    """Mark the person's notifications read (those of ``ids`` only, when given; ids of other
    people's notifications match nothing). Returns how many stay unread.

    Other open pages of the person hear of it, so their unread badges agree.
    """
    with transaction.atomic():
        rows = Notification.objects.filter(user_id=user_id, read_at__isnull=True)
        if ids is not None:
            rows = rows.filter(pk__in=list(ids))
        changed = rows.update(read_at=timezone.now())
        unread = unread_count(user_id=user_id)
        if changed:
            event_publish(user_id=user_id, type=EVENT_READ, data={"unread_count": unread})
    return unread


def notifications_release_held(*, now: datetime.datetime | None = None) -> int:
    """Send the pushes that quiet hours held, once their time has come. Returns how many.

    Safe with several workers: rows locked by another worker are skipped (PostgreSQL), and
    each row is claimed by a conditional update, so a push is never sent twice.
    """
    now = now or timezone.now()
    released = 0
    filters: dict[int, Filters] = {}
    for _round in range(1000):  # a bound, not a schedule: each round claims or ends
        with transaction.atomic():
            due = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(delivered_at__isnull=True, deliver_after__lte=now)
                .order_by("deliver_after", "pk")[:RELEASE_BATCH]
            )
            users = User.objects.in_bulk({n.user_id for n in due})
            for notification in due:
                claimed = Notification.objects.filter(
                    pk=notification.pk, delivered_at__isnull=True
                ).update(delivered_at=now)
                if not claimed:
                    continue
                released += 1
                user = users.get(notification.user_id)
                # Read already (on another device), or the account is gone: nothing to push.
                if notification.read_at is not None or user is None or not user.is_active:
                    continue
                if user.pk not in filters:
                    filters[user.pk] = recipient_filters(user_id=user.pk)
                notification.delivered_at = now
                _publish(notification, user=user, filters=filters[user.pk])
        if len(due) < RELEASE_BATCH:
            break
    if released:
        log.info("notifications released count=%s", released)
    return released
