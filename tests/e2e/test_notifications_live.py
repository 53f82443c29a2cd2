"""notifications/live.js in a real browser: a pushed notification joins the list, the badge
and the live region; after a dropped socket it reconnects and resumes from the last seq.

pytest-django's live server speaks WSGI only, so the browser's /ws/events is answered by
Playwright's WebSocket routing, playing the server's side of the protocol (API.md).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from alongside.core.realtime import last_seq
from alongside.notifications.services import notify
from tests.e2e.conftest import sign_in_as

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _until(page: Any, check: Any, seconds: float = 10) -> Any:
    """Poll with a deadline. Waiting through Playwright lets it deliver the socket callbacks
    (its sync API dispatches them only while one of its calls is running)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        page.wait_for_timeout(50)
    raise AssertionError("condition not met in time")


def test_a_pushed_notification_appears_live_and_the_socket_resumes(
    live_server, page, make_user
) -> None:
    user = make_user()
    notify(user_id=user.pk, kind="reply", data={"thread_title": "Older", "url": "/t/1/"})
    sign_in_as(page, live_server.url, user)

    sockets: list[Any] = []
    received: list[list[Any]] = []

    def server(ws: Any) -> None:
        messages: list[Any] = []
        received.append(messages)
        sockets.append(ws)
        ws.on_message(lambda message: messages.append(json.loads(message)))

    page.route_web_socket(re.compile(r"/ws/events$"), server)
    page.goto(f"{live_server.url}/notifications/")
    page.get_by_role("heading", name="Notifications").first.wait_for()
    # The badge in the site navigation shows the one unread notification.
    assert page.locator("#notification-count [data-count]").inner_text() == "1"
    _until(page, lambda: received and received[0])
    # A fresh tab resumes from the event the page was rendered at (the notification above).
    assert received[0] == [{"resume_from": last_seq(user_id=user.pk)}]
    assert last_seq(user_id=user.pk) == 1

    item = {
        "id": 99_001,
        "kind": "reaction",
        "text": "3 people sent support for your post in “Nights are hard”.",
        "data": {"thread_title": "Nights are hard", "filtered": False, "collapsed": False},
        "count": 3,
        "read": False,
        "created_at": "2026-05-04T12:00:00Z",
        "updated_at": "2026-05-04T12:05:00Z",
        "url": "/t/7/#post-11",
        "unread_count": 2,
    }
    sockets[0].send(json.dumps({"seq": 5, "type": "notification", "data": item}))

    first = page.locator("#notification-list > li").first
    _until(page, lambda: first.get_attribute("data-notification-id") == "99001")
    assert first.get_by_role("link").inner_text() == item["text"]
    assert first.get_by_role("link").get_attribute("href") == "/t/7/#post-11"
    assert "New" in first.inner_text()
    assert page.locator("#notification-count [data-count]").inner_text() == "2"
    _until(page, lambda: page.locator("#notification-announcer").inner_text() == item["text"])
    assert page.locator("#notification-announcer").get_attribute("aria-live") == "polite"
    assert page.evaluate("sessionStorage.getItem('alongside.events.seq')") == "5"

    # The same notification again (merged, or replayed after a reconnect): still one item.
    sockets[0].send(json.dumps({"seq": 6, "type": "notification", "data": {**item, "count": 4}}))
    _until(page, lambda: page.locator('[data-notification-id="99001"]').count() == 1)

    sockets[0].send(
        json.dumps({"seq": 7, "type": "notifications.read", "data": {"unread_count": 0}})
    )
    _until(page, lambda: page.locator("#notification-count").is_hidden())

    # The server goes away; the page reconnects by itself and resumes after seq 7.
    sockets[0].close(code=1012, reason="restart")
    _until(page, lambda: len(sockets) == 2, seconds=15)
    _until(page, lambda: received[1])
    assert received[1][0] == {"resume_from": 7}

    assert page.evaluate("window.__cspViolations") == []
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_a_signed_out_socket_is_not_retried(live_server, page, make_user) -> None:
    user = make_user()
    sign_in_as(page, live_server.url, user)
    sockets: list[Any] = []
    page.route_web_socket(re.compile(r"/ws/events$"), lambda ws: sockets.append(ws))  # noqa: PLW0108  (Playwright needs a Python function)
    page.goto(f"{live_server.url}/notifications/")
    _until(page, lambda: sockets)
    sockets[0].close(code=4401, reason="signed out")
    page.wait_for_timeout(3000)  # longer than the first backoff: no second attempt comes
    assert len(sockets) == 1
