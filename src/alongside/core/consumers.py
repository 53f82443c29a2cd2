"""``/ws/events``: a signed-in person's event stream, in order, without gaps or duplicates.

Protocol (API.md): the server pushes ``{"seq", "type", "data"}``; the client may send
``{"resume_from": seq}`` right after connecting (or pass ``?resume_from=`` in the URL) to
receive every stored event after ``seq`` first. A client that sends nothing within
``START_GRACE_SECONDS`` receives the events published from the moment it connected.

Delivery: live pushes come through the channel layer; the database is the source of truth.
The socket remembers the last sequence number it sent. A push that is the next number is sent
as is; one that is older is a duplicate and dropped; one that leaves a gap makes the socket
read the gap from the database first. The socket also reads the database every
``POLL_SECONDS`` (every ``DEGRADED_POLL_SECONDS`` while the channel layer is unreachable),
so a lost push arrives without a reconnect and the stream keeps working with Redis down.
Each poll also checks that the session still exists: a socket whose session ended (logout,
erasure) is closed with code 4401, the same code an anonymous socket gets.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from alongside.core import realtime

log = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
MAX_MESSAGE_CHARS = 2000


def _user_id_for_token(token: str) -> int | None:
    from alongside.core.api import user_for_session_token

    user = user_for_session_token(token)
    return int(user.pk) if user is not None and user.is_active else None


def _user_id_for_session_key(session_key: str) -> int | None:
    from allauth.core.internal.sessionkit import get_session_user
    from allauth.headless.internal.sessionkit import lookup_session

    session = lookup_session(session_key)
    if session is None:
        return None
    user = get_session_user(session)
    return int(user.pk) if user is not None else None


def _error(code: str, detail: str, field: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"code": code, "detail": detail}
    if field:
        data["field"] = field
    return {"seq": None, "type": "error", "data": data}


class EventsConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """One socket of one signed-in person; see the module docstring for the protocol."""

    POLL_SECONDS: ClassVar[float] = 12.0
    DEGRADED_POLL_SECONDS: ClassVar[float] = 3.0
    START_GRACE_SECONDS: ClassVar[float] = 1.0
    LAYER_TIMEOUT_SECONDS: ClassVar[float] = 2.0
    #: Redis forgets group members after a day; sockets rejoin well before that.
    GROUP_REFRESH_SECONDS: ClassVar[float] = 3600.0
    BATCH: ClassVar[int] = 200

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user_id: int | None = None
        self._credential: tuple[str, str] | None = None  # ("token"|"session", value)
        self._last_sent: int | None = None  # None until the stream has started
        self._head_at_connect = 0
        self._grouped = False
        self._grouped_at = 0.0
        self._lock = asyncio.Lock()
        self._poller: asyncio.Task[None] | None = None
        self._layer_receive: Callable[[], Awaitable[dict[str, Any]]] | None = None

    # --- channel layer, tolerant of outages ------------------------------------------------

    # ``AsyncConsumer.__call__`` assigns ``channel_receive`` and then waits on it together with
    # the socket. A failing layer (Redis down) would raise there and kill the socket, so the
    # assigned receiver is kept and a tolerant wrapper is handed out in its place.
    @property
    def channel_receive(self) -> Callable[[], Awaitable[dict[str, Any]]]:
        return self._tolerant_channel_receive

    @channel_receive.setter
    def channel_receive(self, receiver: Callable[[], Awaitable[dict[str, Any]]]) -> None:
        self._layer_receive = receiver

    async def _tolerant_channel_receive(self) -> dict[str, Any]:
        while True:
            if self._layer_receive is None:
                await asyncio.Event().wait()  # no layer: wait forever (polling delivers)
            try:
                assert self._layer_receive is not None
                return await self._layer_receive()
            except asyncio.CancelledError:
                raise
            except Exception:
                if self._grouped:
                    log.warning("realtime layer receive failed; polling user=%s", self.user_id)
                self._grouped = False  # the poller polls faster and rejoins the group
                await asyncio.sleep(self.DEGRADED_POLL_SECONDS)

    async def _join_group(self) -> None:
        if self.channel_layer is None or self.user_id is None:
            return
        try:
            await asyncio.wait_for(
                self.channel_layer.group_add(realtime.user_group(self.user_id), self.channel_name),
                timeout=self.LAYER_TIMEOUT_SECONDS,
            )
        except Exception:
            if self._grouped or not self._grouped_at:
                log.warning("realtime group join failed; polling user=%s", self.user_id)
            self._grouped = False
            self._grouped_at = -1.0
        else:
            self._grouped = True
            self._grouped_at = time.monotonic()

    # --- connection ------------------------------------------------------------------------

    def _query(self) -> dict[str, list[str]]:
        raw = self.scope.get("query_string", b"")
        return parse_qs(raw.decode("latin-1") if isinstance(raw, bytes) else str(raw))

    async def _authenticate(self) -> int | None:
        token = (self._query().get("token") or [""])[0]
        if token:
            user_id = await database_sync_to_async(_user_id_for_token)(token)
            self._credential = ("token", token)
            return user_id
        user = self.scope.get("user")
        session = self.scope.get("session")
        if user is not None and user.is_authenticated and session is not None:
            key = session.session_key
            if key:
                self._credential = ("session", key)
                return int(user.pk)
        return None

    async def _session_alive(self) -> bool:
        if self._credential is None or self.user_id is None:
            return False
        kind, value = self._credential
        lookup = _user_id_for_token if kind == "token" else _user_id_for_session_key
        try:
            current = await database_sync_to_async(lookup)(value)
        except Exception:  # database briefly unreachable: keep the socket, check next time
            log.warning("realtime session check failed user=%s", self.user_id)
            return True
        return current == self.user_id

    async def connect(self) -> None:
        user_id = await self._authenticate()
        # Accept before closing so the client can read the close code (a refused handshake
        # only shows as a network error in browsers).
        await self.accept()
        if user_id is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user_id = user_id
        realtime.remember_layer_loop(asyncio.get_running_loop())
        self._head_at_connect = await database_sync_to_async(realtime.last_seq)(user_id=user_id)
        await self._join_group()
        resume = (self._query().get("resume_from") or [""])[0]
        if resume.isdigit():
            await self._start(int(resume))
        self._poller = asyncio.create_task(self._poll_loop())

    async def disconnect(self, code: int) -> None:
        if self._poller is not None and self._poller is not asyncio.current_task():
            self._poller.cancel()
        if self._grouped and self.channel_layer is not None and self.user_id is not None:
            try:
                await asyncio.wait_for(
                    self.channel_layer.group_discard(
                        realtime.user_group(self.user_id), self.channel_name
                    ),
                    timeout=self.LAYER_TIMEOUT_SECONDS,
                )
            except Exception:  # the group entry expires by itself
                log.info("realtime group leave failed user=%s", self.user_id)
        self._grouped = False

    # --- delivery --------------------------------------------------------------------------

    async def _start(self, seq: int) -> None:
        """Begin (or move forward) the stream after ``seq``; never backwards, never twice."""
        async with self._lock:
            if self.user_id is None:
                return
            if self._last_sent is not None and seq <= self._last_sent:
                return
            head = await database_sync_to_async(realtime.last_seq)(user_id=self.user_id)
            # A client that claims more than exists (an old database) restarts from the head.
            self._last_sent = max(0, min(seq, head))
            await self._catch_up_locked()

    async def _catch_up_locked(self) -> None:
        assert self._lock.locked()
        if self._last_sent is None or self.user_id is None:
            return
        while True:
            rows = await database_sync_to_async(realtime.events_after)(
                user_id=self.user_id, seq=self._last_sent, limit=self.BATCH
            )
            for payload in rows:
                await self.send_json(payload)
                self._last_sent = payload["seq"]
            if len(rows) < self.BATCH:
                return

    async def _catch_up(self) -> None:
        async with self._lock:
            await self._catch_up_locked()

    async def _poll_loop(self) -> None:
        try:
            await asyncio.sleep(self.START_GRACE_SECONDS)
            if self._last_sent is None:
                await self._start(self._head_at_connect)
            while True:
                await asyncio.sleep(
                    self.POLL_SECONDS if self._grouped else self.DEGRADED_POLL_SECONDS
                )
                try:
                    if not await self._session_alive():
                        await self.close(code=CLOSE_UNAUTHENTICATED)
                        return
                    stale = time.monotonic() - self._grouped_at > self.GROUP_REFRESH_SECONDS
                    if not self._grouped or stale:
                        await self._join_group()
                    await self._catch_up()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("realtime poll failed user=%s", self.user_id)
        except asyncio.CancelledError:
            return

    async def stream_event(self, message: dict[str, Any]) -> None:
        """A push from ``realtime.push``: send it, drop it, or fill the gap before it."""
        event = message.get("event") or {}
        seq = event.get("seq")
        if not isinstance(seq, int):
            return
        async with self._lock:
            if self._last_sent is None or seq <= self._last_sent:
                return  # not started yet (the start reads the DB), or already sent
            if seq == self._last_sent + 1:
                await self.send_json(event)
                self._last_sent = seq
                return
            await self._catch_up_locked()

    async def stream_recheck(self, message: dict[str, Any]) -> None:
        if not await self._session_alive():
            await self.close(code=CLOSE_UNAUTHENTICATED)

    # --- client messages -------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.user_id is None:
            return
        if text_data is None or len(text_data) > MAX_MESSAGE_CHARS:
            await self.send_json(_error("invalid", "Send one small JSON object as text."))
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.send_json(_error("invalid", "Send one small JSON object as text."))
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self.send_json(_error("invalid", "Send one small JSON object as text."))
            return
        if "resume_from" in content:
            value = content["resume_from"]
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                await self._start(value)
            else:
                await self.send_json(
                    _error(
                        "invalid", "resume_from must be a whole number, 0 or more.", "resume_from"
                    )
                )
            return
        if content.get("type") == "ping":
            await self.send_json({"seq": None, "type": "pong", "data": {}})
            return
        await self.send_json(_error("unknown_message", "Unknown message."))
