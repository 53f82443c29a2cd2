"""A small mixed load against a live server on the test's database (SQLite in one CI run,
PostgreSQL + Redis in the other): members read, reply and react for ~20 s with their
notification sockets open; no request may fail, every acknowledged write must be readable
afterwards and every expected notification must arrive, in order, without gaps.

The client is ``benchmarks/load/mixed.py`` (the same code the full benchmark and the fault
runs use). The server is the real ASGI application under uvicorn, in a thread of this process:
pytest-django's ``live_server`` speaks WSGI only and so has no ``/ws/events``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import socket
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.communities.test_pages import _without_form_values

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = 6
DURATION_S = 20.0


def load_mixed() -> ModuleType:
    """benchmarks/ is not a package: load the module from its file, once."""
    name = "alongside_load_mixed"
    if name in sys.modules:
        return sys.modules[name]
    path = ROOT / "benchmarks" / "load" / "mixed.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def asgi_server(transactional_db: Any, settings: Any) -> Iterator[str]:
    """The project's ASGI application (HTTP and WebSocket) under uvicorn on a free port."""
    import uvicorn
    from django.db import connections

    from alongside.asgi import application
    from alongside.core import pagecache
    from alongside.core.models import WriteGeneration

    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
    # Signed-out thread pages are kept as in production (decision 0022): the load's page
    # reads are signed out, its writes commit for real.
    settings.PAGE_CACHE_ENTRIES = 256
    for row in (pagecache.EVERY, pagecache.SITE):
        WriteGeneration.objects.get_or_create(id=row)
    kept = pagecache.store()
    assert kept is not None
    kept.clear()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # The graceful-shutdown bound: with the Redis channel layer, a socket's task cancelled in
    # channels_redis' receive sometimes lingers here (not seen with ``alongside serve``).
    config = uvicorn.Config(
        application,
        lifespan="off",
        log_level="warning",
        ws_ping_interval=None,
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        connections.close_all()


def test_mixed_load_loses_no_acknowledged_write_and_delivers_every_notification(
    asgi_server: str, settings: Any
) -> None:
    mixed = load_mixed()
    members = mixed.create_members(MEMBERS, prefix="ci_load_", community="ci-load", host=None)

    def heads(user_ids: list[int]) -> dict[int, int]:
        from django.db import connections

        try:
            return mixed.stream_heads(user_ids)
        finally:
            connections.close_all()  # this runs in a thread of its own

    async def scenario() -> tuple[Any, dict[str, Any], dict[str, Any]]:
        run = mixed.LoadRun(base_url=asgi_server, members=members, community="ci-load")
        await mixed.open_sockets(run)
        try:
            await mixed.start_threads(run, per_member=1, seed=5)
            assert run.setup_errors == [], run.setup_errors
            await mixed.run_mixed(run, duration=DURATION_S, think=0.4, seed=5)
            summary = mixed.summarise(run.recorder.samples, run.seconds)
            proof = await mixed.verify(run, heads=heads, notify_wait=20)
        finally:
            for events in run.sockets:
                await events.stop()
        return run, summary, proof

    run, summary, proof = asyncio.run(scenario())
    report = "\n".join([mixed.table(summary), *mixed.verdict_lines(summary, proof)])
    print(report)

    assert run.setup_errors == [], report
    assert summary["errors"] == 0, report
    # Enough happened for the checks below to mean something.
    assert proof["acknowledged"]["thread"] == MEMBERS, report
    assert proof["acknowledged"]["post"] >= MEMBERS + 10, report
    assert proof["acknowledged"].get("reaction", 0) >= 5, report
    assert proof["notifications_expected"]["reply"] >= 5, report
    assert proof["notifications_expected"]["reaction"] >= 3, report
    # Nothing acknowledged is lost; every notification reached its socket, in order.
    assert proof["lost_total"] == 0, (report, proof["problems"])
    assert proof["notifications_missing_total"] == 0, report
    stream = proof["stream"]
    assert stream["gaps"] == 0, report
    assert stream["duplicates"] == 0, report
    assert stream["behind_head"] == 0, report
    assert stream["socket_errors"] == [], report
    # Every signed-out thread page served now is the page as rendered now: nothing kept
    # during the load outlived a write.
    from alongside.core import pagecache

    kept = pagecache.store()
    assert kept is not None and kept.hits > 0, "the load never read a kept page"
    for thread_id in run.shared.threads:
        served = _page(asgi_server, f"/t/{thread_id}/")
        fresh = _page(asgi_server, f"/t/{thread_id}/", cookie="sessionid=none-so-rendered-now")
        assert served == fresh, thread_id
    # Signed-in readers shared each thread's page of posts during the load (decision 0024):
    # what a member reads now is what the same member reads with nothing shared.
    token = members[0].token
    with_sharing = {t: _api_thread(asgi_server, t, token) for t in run.shared.threads}
    settings.PAGE_CACHE_ENTRIES = 0
    for thread_id, answer in with_sharing.items():
        assert _api_thread(asgi_server, thread_id, token) == answer, thread_id


def _api_thread(base_url: str, thread_id: int, token: str) -> str:
    """The thread's first page through the API, as one member reads it."""
    request = urllib.request.Request(f"{base_url}/api/v1/threads/{thread_id}")
    request.add_header("X-Session-Token", token)
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        return json.dumps(json.loads(response.read()), sort_keys=True)


def _page(base_url: str, path: str, cookie: str = "") -> str:
    """A page's HTML without its CSRF tokens (each visitor's own)."""
    request = urllib.request.Request(base_url + path)
    if cookie:
        request.add_header("Cookie", cookie)
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        html = response.read().decode()
    return _without_form_values(html)


def test_verification_reports_a_lost_write(asgi_server: str) -> None:
    """The checks above can fail: a reply acknowledged and then gone (deleted behind the
    server's back) is counted as lost, and its notification as missing."""
    from alongside.communities.models import Post

    mixed = load_mixed()
    members = mixed.create_members(2, prefix="ci_lost_", community="ci-lost", host=None)

    async def scenario() -> dict[str, Any]:
        run = mixed.LoadRun(base_url=asgi_server, members=members, community="ci-lost")
        await mixed.start_threads(run, per_member=1, seed=7)
        first_thread = next(t for t, who in run.shared.thread_author.items() if who == 0)
        http = mixed.Http(asgi_server, address=members[1].address)
        response = await http.request(
            "POST",
            f"/api/v1/threads/{first_thread}/posts",
            token=members[1].token,
            body={"body": "Thank you for writing this, it helps to read it."},
        )
        await http.close()
        assert response.status == 201, response.body
        post_id = response.json()["id"]
        run.shared.add(
            mixed.Ack(
                kind="post",
                member=1,
                thread_id=first_thread,
                post_id=post_id,
                body=response.json()["body"],
            )
        )
        await asyncio.to_thread(_delete_post, post_id)
        return await mixed.verify(run, notify_wait=0)

    def _delete_post(post_id: int) -> None:
        from django.db import connections

        try:
            Post.objects.filter(pk=post_id).delete()
        finally:
            connections.close_all()

    proof = asyncio.run(scenario())
    assert proof["lost"] == {"post": 1}
    assert proof["lost_total"] == 1
    assert proof["notifications_missing"]["reply"] == 1
