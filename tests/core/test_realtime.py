"""The /ws/events stream: only for signed-in people, after commit, in order, resumable.

Sockets are driven through the real ASGI application (routing, origin check, auth
middleware) with channels' WebsocketCommunicator. The ``layer`` fixture runs the delivery
tests with the in-memory channel layer and, when REDIS_URL is set, with Redis.
"""

from __future__ import annotations

import datetime
import os
import uuid
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from alongside.asgi import application
from alongside.core import realtime
from alongside.core.consumers import EventsConsumer
from alongside.core.models import Event, EventStream
from tests.conftest import run_jobs
from tests.core.wsclient import WebsocketCommunicator

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://testserver")
REDIS_URL = os.environ.get("REDIS_URL", "")
WAIT = 10  # seconds: a deadline, not a sleep


class _Rollback(Exception):
    pass


@pytest.fixture(params=["memory", "redis"])
def layer(request: pytest.FixtureRequest) -> Any:
    """The channel layer under test; Redis only when REDIS_URL names a server."""
    if request.param == "memory":
        config = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    else:
        if not REDIS_URL:
            pytest.skip("REDIS_URL is not set: Redis channel layer tests need a Redis server")
        config = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [REDIS_URL], "prefix": f"alongside-test-{uuid.uuid4().hex}"},
            }
        }
    with override_settings(CHANNEL_LAYERS=config):
        yield request.param
    channel_layers.backends.clear()


@pytest.fixture
def member(make_member: Any) -> dict[str, Any]:
    return make_member()


async def open_socket(path: str, headers: list[tuple[bytes, bytes]] | None = None) -> Any:
    communicator = WebsocketCommunicator(application, path, headers=[ORIGIN, *(headers or [])])
    connected, _ = await communicator.connect(timeout=WAIT)
    assert connected
    return communicator


async def open_stream(token: str, resume_from: int = 0) -> Any:
    """A started stream: resume sent and handled (the pong proves it), replay consumed."""
    communicator = await open_socket(f"/ws/events?token={token}")
    await communicator.send_json_to({"resume_from": resume_from})
    communicator.replayed = await until_pong(communicator)
    return communicator


async def until_pong(communicator: Any) -> list[dict[str, Any]]:
    """Frames before the answer to a ping: the socket handles messages one at a time, so
    the pong means every earlier message has been handled."""
    await communicator.send_json_to({"type": "ping"})
    frames = []
    while (frame := await communicator.receive_json_from(timeout=WAIT))["type"] != "pong":
        frames.append(frame)
    return frames


@database_sync_to_async
def publish(
    user_id: int, type_: str, data: dict[str, Any] | None = None, *, rollback: bool = False
) -> int:
    try:
        with transaction.atomic():
            event = realtime.event_publish(user_id=user_id, type=type_, data=data or {})
            if rollback:
                raise _Rollback
    except _Rollback:
        return -1
    return event.seq


async def received_seqs(communicator: Any, count: int) -> list[int]:
    return [(await communicator.receive_json_from(timeout=WAIT))["seq"] for _ in range(count)]


async def assert_closed_unauthenticated(communicator: Any) -> None:
    output = await communicator.receive_output(timeout=WAIT)
    assert output == {"type": "websocket.close", "code": 4401}


# --- who may connect ------------------------------------------------------------------------


async def test_anonymous_socket_is_closed_with_4401() -> None:
    communicator = await open_socket("/ws/events")
    await assert_closed_unauthenticated(communicator)


async def test_unknown_token_is_closed_with_4401(member: dict[str, Any]) -> None:
    communicator = await open_socket("/ws/events?token=not-a-session")
    await assert_closed_unauthenticated(communicator)


async def test_other_sites_cannot_open_a_socket(member: dict[str, Any]) -> None:
    communicator = WebsocketCommunicator(
        application,
        f"/ws/events?token={member['token']}",
        headers=[(b"origin", b"https://evil.example")],
    )
    connected, _ = await communicator.connect(timeout=WAIT)
    assert not connected


async def test_app_clients_without_origin_may_connect_with_a_token(member: dict[str, Any]) -> None:
    communicator = WebsocketCommunicator(
        application, f"/ws/events?token={member['token']}&resume_from=0"
    )
    connected, _ = await communicator.connect(timeout=WAIT)
    assert connected
    await publish(member["user_id"], "test.hello")
    assert (await communicator.receive_json_from(timeout=WAIT))["seq"] == 1
    await communicator.disconnect()


async def test_browser_session_cookie_authenticates(make_user: Any) -> None:
    user = await database_sync_to_async(make_user)()
    client = Client()
    await database_sync_to_async(client.force_login)(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    communicator = await open_socket("/ws/events", headers=[(b"cookie", cookie)])
    await communicator.send_json_to({"resume_from": 0})
    await publish(user.pk, "test.hello", {"n": 1})
    assert await communicator.receive_json_from(timeout=WAIT) == {
        "seq": 1,
        "type": "test.hello",
        "data": {"n": 1},
    }
    await communicator.disconnect()


async def test_socket_closes_when_its_session_ends(
    member: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(EventsConsumer, "POLL_SECONDS", 0.1)
    communicator = await open_stream(member["token"])
    response = await database_sync_to_async(Client().delete)(
        "/_allauth/app/v1/auth/session", HTTP_X_SESSION_TOKEN=member["token"]
    )
    assert response.status_code == 401  # allauth answers a logout with "not authenticated"
    await assert_closed_unauthenticated(communicator)


async def test_session_recheck_message_closes_a_logged_out_socket_at_once(
    member: dict[str, Any],
) -> None:
    communicator = await open_stream(member["token"])
    await database_sync_to_async(Client().delete)(
        "/_allauth/app/v1/auth/session", HTTP_X_SESSION_TOKEN=member["token"]
    )

    @database_sync_to_async
    def notify() -> None:
        with transaction.atomic():
            realtime.sessions_changed(user_id=member["user_id"])

    await notify()
    await assert_closed_unauthenticated(communicator)


# --- delivery ------------------------------------------------------------------------------


async def test_event_is_pushed_after_commit_with_seq_type_and_data(
    layer: str, member: dict[str, Any]
) -> None:
    communicator = await open_stream(member["token"])
    await publish(member["user_id"], "notification.new", {"id": 7, "kind": "reply"})
    assert await communicator.receive_json_from(timeout=WAIT) == {
        "seq": 1,
        "type": "notification.new",
        "data": {"id": 7, "kind": "reply"},
    }
    await communicator.disconnect()


async def test_rolled_back_event_is_never_pushed(layer: str, member: dict[str, Any]) -> None:
    communicator = await open_stream(member["token"])
    assert await publish(member["user_id"], "test.rolled_back", rollback=True) == -1
    await publish(member["user_id"], "test.committed")
    # The rolled-back event took its number back with it: the first thing the socket sees
    # is the committed event, numbered 1.
    first = await communicator.receive_json_from(timeout=WAIT)
    assert (first["seq"], first["type"]) == (1, "test.committed")
    assert await database_sync_to_async(Event.objects.filter(type="test.rolled_back").count)() == 0
    await communicator.disconnect()


async def test_resume_after_reconnect_sends_missed_events_in_order_without_duplicates(
    layer: str, member: dict[str, Any]
) -> None:
    user_id = member["user_id"]
    first = await open_stream(member["token"])
    await publish(user_id, "test.n", {"n": 1})
    await publish(user_id, "test.n", {"n": 2})
    assert await received_seqs(first, 2) == [1, 2]
    await first.disconnect()

    for n in range(3, 6):  # while the client is away
        await publish(user_id, "test.n", {"n": n})

    second = await open_stream(member["token"], resume_from=2)
    missed = second.replayed
    assert [(e["seq"], e["data"]["n"]) for e in missed] == [(3, 3), (4, 4), (5, 5)]
    await publish(user_id, "test.n", {"n": 6})
    assert await received_seqs(second, 1) == [6]
    await second.disconnect()


async def test_events_published_during_resume_arrive_once_and_in_order(
    layer: str, member: dict[str, Any]
) -> None:
    user_id = member["user_id"]
    for n in range(1, 51):
        await publish(user_id, "test.n", {"n": n})
    communicator = await open_socket(f"/ws/events?token={member['token']}")
    await communicator.send_json_to({"resume_from": 10})
    for n in range(51, 61):  # live pushes race the replay from the database
        await publish(user_id, "test.n", {"n": n})
    assert await received_seqs(communicator, 50) == list(range(11, 61))
    # Pushes travel in order: had any of 51-60 been sent twice, it would come before 61.
    await publish(user_id, "test.n", {"n": 61})
    assert await received_seqs(communicator, 1) == [61]
    await communicator.disconnect()


async def test_a_second_resume_never_replays_or_goes_backwards(member: dict[str, Any]) -> None:
    user_id = member["user_id"]
    for n in range(1, 4):
        await publish(user_id, "test.n", {"n": n})
    communicator = await open_stream(member["token"], resume_from=0)
    assert [e["seq"] for e in communicator.replayed] == [1, 2, 3]
    await communicator.send_json_to({"resume_from": 0})
    assert await until_pong(communicator) == []
    await publish(user_id, "test.n", {"n": 4})
    assert await received_seqs(communicator, 1) == [4]
    await communicator.disconnect()


async def test_without_resume_the_stream_starts_at_connection_time(
    member: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(EventsConsumer, "START_GRACE_SECONDS", 0.05)
    await publish(member["user_id"], "test.before")
    communicator = await open_socket(f"/ws/events?token={member['token']}")
    await publish(member["user_id"], "test.after")
    event = await communicator.receive_json_from(timeout=WAIT)
    assert (event["seq"], event["type"]) == (2, "test.after")
    await communicator.disconnect()


async def test_a_gap_in_pushes_is_filled_from_the_database(
    layer: str, member: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    communicator = await open_stream(member["token"])
    real_push = realtime.push
    monkeypatch.setattr(realtime, "push", lambda **kwargs: False)  # this push is lost
    await publish(member["user_id"], "test.lost")
    monkeypatch.setattr(realtime, "push", real_push)
    await publish(member["user_id"], "test.next")
    events = [await communicator.receive_json_from(timeout=WAIT) for _ in range(2)]
    assert [(e["seq"], e["type"]) for e in events] == [(1, "test.lost"), (2, "test.next")]
    await communicator.disconnect()


async def test_late_duplicate_pushes_are_dropped(
    layer: str, member: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    communicator = await open_stream(member["token"])
    real_push = realtime.push
    delayed: list[dict[str, Any]] = []
    monkeypatch.setattr(realtime, "push", lambda **kwargs: delayed.append(kwargs))
    await publish(member["user_id"], "test.n", {"n": 1})
    await publish(member["user_id"], "test.n", {"n": 2})
    monkeypatch.setattr(realtime, "push", real_push)
    await publish(member["user_id"], "test.n", {"n": 3})  # the gap makes the socket read 1-3
    assert await received_seqs(communicator, 3) == [1, 2, 3]
    for kwargs in delayed:  # the slow pushes of 1 and 2 arrive after all
        await database_sync_to_async(real_push)(**kwargs)
    await publish(member["user_id"], "test.n", {"n": 4})
    assert await received_seqs(communicator, 1) == [4]
    assert await until_pong(communicator) == []
    await communicator.disconnect()


async def test_a_lost_push_arrives_by_polling_without_reconnect(
    member: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(EventsConsumer, "POLL_SECONDS", 0.1)
    communicator = await open_stream(member["token"])
    monkeypatch.setattr(realtime, "push", lambda **kwargs: False)
    await publish(member["user_id"], "test.lost")
    event = await communicator.receive_json_from(timeout=WAIT)
    assert (event["seq"], event["type"]) == (1, "test.lost")
    await communicator.disconnect()


async def test_stream_works_when_the_channel_layer_is_down(
    member: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis unreachable: joining the group fails, pushes fail, the socket polls the DB."""
    monkeypatch.setattr(EventsConsumer, "DEGRADED_POLL_SECONDS", 0.1)
    monkeypatch.setattr(EventsConsumer, "LAYER_TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(realtime, "PUSH_TIMEOUT_SECONDS", 0.5)
    unreachable = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:9/0"], "prefix": "alongside-down"},
        }
    }
    with override_settings(CHANNEL_LAYERS=unreachable):
        await publish(member["user_id"], "test.before")
        communicator = await open_stream(member["token"])
        assert [e["seq"] for e in communicator.replayed] == [1]
        await publish(member["user_id"], "test.during")
        event = await communicator.receive_json_from(timeout=WAIT)
        assert (event["seq"], event["type"]) == (2, "test.during")
        await communicator.disconnect()
    channel_layers.backends.clear()


async def test_bad_messages_get_an_error_frame_and_the_socket_stays_open(
    member: dict[str, Any],
) -> None:
    communicator = await open_stream(member["token"])
    await communicator.send_json_to({"resume_from": "yesterday"})
    error = await communicator.receive_json_from(timeout=WAIT)
    assert error["type"] == "error"
    assert error["data"]["field"] == "resume_from"
    await communicator.send_to(text_data="{not json")
    assert (await communicator.receive_json_from(timeout=WAIT))["type"] == "error"
    await communicator.send_json_to({"type": "ping"})
    assert (await communicator.receive_json_from(timeout=WAIT))["type"] == "pong"
    await publish(member["user_id"], "test.still_open")
    assert (await communicator.receive_json_from(timeout=WAIT))["seq"] == 1
    await communicator.disconnect()


# --- publishing and retention ---------------------------------------------------------------


def test_sequence_numbers_are_per_user_and_gapless(make_user: Any) -> None:
    alice, bob = make_user(), make_user()
    with transaction.atomic():
        seqs = [realtime.event_publish(user_id=alice.pk, type="t", data={}).seq for _ in range(3)]
    with transaction.atomic():
        bob_seq = realtime.event_publish(user_id=bob.pk, type="t", data={}).seq
    assert seqs == [1, 2, 3]
    assert bob_seq == 1
    assert realtime.last_seq(user_id=alice.pk) == 3


def test_event_data_must_be_plain_json(make_user: Any) -> None:
    user = make_user()
    with pytest.raises(TypeError), transaction.atomic():
        realtime.event_publish(user_id=user.pk, type="t", data={"when": timezone.now()})
    assert not Event.objects.filter(user_id=user.pk).exists()


def test_retention_job_deletes_old_events_and_keeps_numbering(
    make_user: Any, settings: Any
) -> None:
    from alongside.core.tasks import events_purge_expired

    settings.EVENT_RETENTION_DAYS = 30
    user = make_user()
    with transaction.atomic():
        old = realtime.event_publish(user_id=user.pk, type="t.old", data={})
        realtime.event_publish(user_id=user.pk, type="t.new", data={})
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=31))
    events_purge_expired.enqueue()
    assert run_jobs() == 1
    assert list(Event.objects.filter(user_id=user.pk).values_list("type", flat=True)) == ["t.new"]
    assert EventStream.objects.get(user_id=user.pk).last_seq == 2
    with transaction.atomic():
        assert realtime.event_publish(user_id=user.pk, type="t", data={}).seq == 3
