"""Per-user event streams: written in the transaction, pushed after commit, resumable by seq.

A client that reconnects sends the last sequence number it saw and receives what it missed
from the database, so a Redis outage or a dropped socket delays events but loses none.

Sequence numbers are handed out by incrementing the user's ``EventStream`` row, which stays
locked until the writing transaction ends. So the numbers of one user are gapless and become
visible in order: once seq N is committed, every seq below N is committed too (or was rolled
back together with its number). Sockets rely on this to fill gaps from the database.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from alongside.core.models import Event, EventStream

log = logging.getLogger(__name__)

#: Channel-layer message types understood by ``core.consumers.EventsConsumer``.
MSG_EVENT = "stream.event"
MSG_RECHECK = "stream.recheck"
#: How long a publisher waits for the channel layer before giving up (the DB copy stays).
PUSH_TIMEOUT_SECONDS = 2.0

# The in-memory layer keeps its queues in the event loop of the web server; a push from
# another thread (the in-process job worker) must be handed to that loop, since asyncio
# queues are not thread-safe. Consumers record the loop here when they connect.
_layer_loop: asyncio.AbstractEventLoop | None = None
_layer_loop_lock = threading.Lock()


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def event_payload(event: Event) -> dict[str, Any]:
    return {"seq": event.seq, "type": event.type, "data": event.data}


def _next_seq(user_id: int) -> int:
    """Take the next number of the user's stream; the row stays locked until commit."""
    if EventStream.objects.filter(user_id=user_id).update(last_seq=F("last_seq") + 1) == 0:
        try:
            with transaction.atomic():
                EventStream.objects.create(user_id=user_id, last_seq=1)
        except IntegrityError:  # another transaction created the stream first
            EventStream.objects.filter(user_id=user_id).update(last_seq=F("last_seq") + 1)
        else:
            return 1
    return int(EventStream.objects.values_list("last_seq", flat=True).get(user_id=user_id))


def event_publish(*, user_id: int, type: str, data: dict[str, Any]) -> Event:  # noqa: A002
    """Append an event to the user's stream now; push it to their sockets after commit.

    Call it inside the transaction of the write that caused it: a rollback then takes the
    event (and its number) back and nothing is pushed. ``data`` must be JSON (it is stored
    and replayed as JSON, so a live push and a replay are identical) and must be safe for the
    recipient to see: no anonymous authors, no private text of other people.
    """
    try:
        data = json.loads(json.dumps(data))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"event data for {type!r} must be plain JSON") from exc
    with transaction.atomic():
        seq = _next_seq(user_id)
        event = Event.objects.create(user_id=user_id, seq=seq, type=type, data=data)
    payload = event_payload(event)
    transaction.on_commit(lambda: push(user_id=user_id, payload=payload))
    return event


def remember_layer_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Called by sockets on connect: the loop that owns in-memory layer queues."""
    global _layer_loop  # noqa: PLW0603
    with _layer_loop_lock:
        _layer_loop = loop


def _group_send(user_id: int, message: dict[str, Any]) -> bool:
    layer = get_channel_layer()
    if layer is None:
        return False

    async def send() -> None:
        await asyncio.wait_for(
            layer.group_send(user_group(user_id), message), timeout=PUSH_TIMEOUT_SECONDS
        )

    try:
        loop = _layer_loop
        if isinstance(layer, InMemoryChannelLayer) and loop is not None and loop.is_running():
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is not loop:
                asyncio.run_coroutine_threadsafe(send(), loop).result(PUSH_TIMEOUT_SECONDS + 1)
                return True
        async_to_sync(send)()
    except Exception:  # Redis down, layer full, timeout: sockets catch up from the database.
        log.warning("realtime push failed user=%s type=%s", user_id, message.get("type"))
        return False
    return True


def push(*, user_id: int, payload: dict[str, Any]) -> bool:
    """Best-effort push through the channel layer; the database copy is the source of truth.

    The payload is nested under ``event``: its own ``type`` must not be taken for the
    channel-layer message type.
    """
    return _group_send(user_id, {"type": MSG_EVENT, "event": payload})


def sessions_changed(*, user_id: int) -> None:
    """Ask the user's open sockets to check their session again, after commit.

    Call it when sessions end (logout elsewhere, erasure, password change): a socket whose
    session is gone closes at once instead of at its next periodic check.
    """
    transaction.on_commit(lambda: _group_send(user_id, {"type": MSG_RECHECK}))


def events_after(*, user_id: int, seq: int, limit: int = 500) -> list[dict[str, Any]]:
    rows = Event.objects.filter(user_id=user_id, seq__gt=seq).order_by("seq")[:limit]
    return [event_payload(e) for e in rows]


def last_seq(*, user_id: int) -> int:
    value = EventStream.objects.filter(user_id=user_id).values_list("last_seq", flat=True).first()
    return int(value or 0)


def events_purge_expired(*, days: int) -> int:
    """Delete events older than ``days``. Stream heads stay, so numbers are never reused."""
    cutoff = timezone.now() - datetime.timedelta(days=days)
    deleted, _ = Event.objects.filter(created_at__lt=cutoff).delete()
    return deleted
