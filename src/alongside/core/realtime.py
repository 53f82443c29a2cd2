"""Per-user event streams: written in the transaction, pushed after commit, resumable by seq.

A client that reconnects sends the last sequence number it saw and receives what it missed
from the database, so a Redis outage or a dropped socket delays events but loses none.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import F

from alongside.core.models import Event, EventStream

log = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def event_payload(event: Event) -> dict[str, Any]:
    return {"seq": event.seq, "type": event.type, "data": event.data}


def event_publish(*, user_id: int, type: str, data: dict[str, Any]) -> Event:  # noqa: A002
    """Append an event to the user's stream now; push it to their sockets after commit.

    Must be called inside the transaction of the write that caused it. ``data`` must be safe
    for the recipient to see (no anonymous authors, no private text of others).
    """
    with transaction.atomic():
        stream, _created = EventStream.objects.get_or_create(user_id=user_id)
        EventStream.objects.filter(pk=stream.pk).update(last_seq=F("last_seq") + 1)
        seq = EventStream.objects.values_list("last_seq", flat=True).get(pk=stream.pk)
        event = Event.objects.create(user_id=user_id, seq=seq, type=type, data=data)
    payload = event_payload(event)
    transaction.on_commit(lambda: push(user_id=user_id, payload=payload))
    return event


def push(*, user_id: int, payload: dict[str, Any]) -> bool:
    """Best-effort push through the channel layer; the database copy is the source of truth."""
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(layer.group_send)(user_group(user_id), {"type": "stream.event", **payload})
    except Exception:  # Redis down or layer full: clients resume from the database.
        log.warning("realtime push failed user=%s seq=%s", user_id, payload.get("seq"))
        return False
    return True


def events_after(*, user_id: int, seq: int, limit: int = 500) -> list[dict[str, Any]]:
    rows = Event.objects.filter(user_id=user_id, seq__gt=seq).order_by("seq")[:limit]
    return [event_payload(e) for e in rows]


def last_seq(*, user_id: int) -> int:
    value = EventStream.objects.filter(user_id=user_id).values_list("last_seq", flat=True).first()
    return int(value or 0)
