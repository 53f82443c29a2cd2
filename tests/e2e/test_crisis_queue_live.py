"""A responder's open queue page shows a new case within a second of a member posting through
the API — through the real ASGI server (uvicorn), the real /ws/events socket and the page's
own JavaScript. Then the responder opens the case and takes it, without any JavaScript help.

pytest-django's live server speaks WSGI only, so this test serves the project's ASGI
application with uvicorn in a thread, on the test database.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import sign_in_as
from tests.e2e.test_communities_journey import A11Y_AUDIT
from tests.safety.crisis import IMMINENT, community, member, responder

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def asgi_server(settings: Any) -> Iterator[str]:
    import uvicorn

    settings.STAFF_MFA_REQUIRED = False  # MFA for staff is tested in tests/accounts
    port = _free_port()
    config = uvicorn.Config(
        "alongside.asgi:application",
        host="127.0.0.1",
        port=port,
        loop="asyncio",
        lifespan="off",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _until(page: Any, check: Any, seconds: float = 10) -> Any:
    """Poll with a deadline, letting Playwright deliver page events meanwhile."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        page.wait_for_timeout(20)
    raise AssertionError("condition not met in time")


def _socket_joined(user_id: int) -> bool:
    """The responder's page socket has joined their stream's group (in-memory or Redis)."""
    from channels.layers import InMemoryChannelLayer, get_channel_layer
    from django.conf import settings

    layer = get_channel_layer()
    group = f"user.{user_id}"
    if isinstance(layer, InMemoryChannelLayer):
        return bool(layer.groups.get(group))
    import redis  # channels-redis's own dependency; a plain client, outside any event loop

    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        return bool(client.zcard(layer._group_key(group)))  # type: ignore[union-attr]
    finally:
        client.close()


def _post_thread(base: str, token: str, body: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{base}/api/v1/communities/support/threads",
        method="POST",
        data=json.dumps({"title": "A hard week", "body": body}).encode(),
        headers={"Content-Type": "application/json", "X-Session-Token": token},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        return dict(json.loads(response.read()))


def test_a_new_case_appears_on_the_open_queue_within_a_second(
    asgi_server: str, page: Any, screenshot_dir: Any
) -> None:
    community()
    worker = responder("nightshift")
    writer = member()
    sign_in_as(page, asgi_server, worker)
    page.goto(f"{asgi_server}/safety/cases/")
    page.get_by_role("heading", name="Crisis queue", level=1).wait_for()
    assert "No open cases right now." in page.locator("#case-queue").inner_text()
    _until(page, lambda: _socket_joined(worker.pk))

    created = _post_thread(asgi_server, writer["token"], IMMINENT)
    posted_at = time.monotonic()
    assert created["support"]["level"] == "imminent"
    row = page.locator("#case-queue [data-case-id]")
    _until(page, lambda: row.count() == 1, seconds=5)
    elapsed = time.monotonic() - posted_at
    assert elapsed < 1.0, f"the case took {elapsed:.2f} s to appear"
    assert "Imminent" in row.inner_text() and "Waiting for a responder" in row.inner_text()
    announcer = page.locator("#case-announcer")
    _until(page, lambda: "A new case is waiting" in announcer.inner_text())
    assert announcer.get_attribute("aria-live") == "polite"
    page.screenshot(path=str(screenshot_dir / "crisis-queue-live.png"), full_page=True)

    # The responder opens the case and takes it; the page works as plain forms.
    row.get_by_role("link").click()
    page.get_by_role("heading", level=1).wait_for()
    assert page.locator("mark").count() >= 1
    assert writer["username"] in page.locator("main").inner_text()
    page.screenshot(path=str(screenshot_dir / "crisis-case.png"), full_page=True)
    assert page.evaluate(A11Y_AUDIT) == []
    page.get_by_role("button", name="Acknowledge: I'm taking this").click()
    page.get_by_text("You have taken this case.").wait_for()

    assert page.evaluate("window.__cspViolations") == []
    assert page.console_errors == []  # type: ignore[attr-defined]
