"""Replies reach the thread's author live over /ws/events and in the notification list."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from alongside.asgi import application
from tests.conftest import auth
from tests.core.wsclient import WebsocketCommunicator

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 10


async def test_reply_notifies_the_thread_author_live_and_in_the_list(
    make_member: Any, make_community: Any
) -> None:
    await database_sync_to_async(make_community)("anxiety")
    author = await database_sync_to_async(make_member)()
    replier = await database_sync_to_async(make_member)()

    def post(member: dict[str, Any], path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = Client().post(
            path, body, content_type="application/json", **auth(member["token"])
        )
        assert response.status_code == 201, response.content
        return response.json()

    thread = await database_sync_to_async(post)(
        author,
        "/api/v1/communities/anxiety/threads",
        {"title": "Anyone awake?", "body": "Can't sleep again.", "anonymous": True},
    )
    socket = WebsocketCommunicator(
        application,
        f"/ws/events?token={author['token']}",
        headers=[(b"origin", b"http://testserver")],
    )
    connected, _ = await socket.connect(timeout=WAIT)
    assert connected
    await socket.send_json_to({"resume_from": 0})
    reply = await database_sync_to_async(post)(
        replier, f"/api/v1/threads/{thread['id']}/posts", {"body": "I'm here. Want to talk?"}
    )
    while True:
        frame = await socket.receive_json_from(timeout=WAIT)
        if frame["type"] == "notification":
            break
    assert frame["data"]["kind"] == "reply"
    assert frame["data"]["data"]["post_id"] == reply["id"]
    await socket.disconnect()

    listed = await database_sync_to_async(
        lambda: Client().get("/api/v1/notifications", **auth(author["token"])).json()
    )()
    assert [n["kind"] for n in listed["items"]] == ["reply"]
    assert listed["items"][0]["data"]["thread_id"] == thread["id"]
    assert listed["unread"] == 1
