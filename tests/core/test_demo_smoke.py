"""`alongside demo` from a fresh data directory: it comes up, prints logins that work, and
serves the event socket through the real server (uvicorn)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

DEADLINE_SECONDS = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def http(method: str, url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        url,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


@pytest.fixture
def demo() -> Any:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    with tempfile.TemporaryDirectory() as data_dir:
        env.update(ALONGSIDE_DATA_DIR=data_dir, PYTHONUNBUFFERED="1")
        env.pop("ALONGSIDE_MODE", None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "alongside.cli", "demo", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        output: list[str] = []
        reader = threading.Thread(
            target=lambda: output.extend(iter(proc.stdout.readline, "")),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        try:
            yield port, proc, output
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            reader.join(timeout=10)


def wait_until_up(port: int, proc: subprocess.Popen[str], output: list[str]) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        assert proc.poll() is None, "demo exited:\n" + "".join(output)
        assert time.monotonic() < deadline, "demo did not come up:\n" + "".join(output)
        try:
            if http("GET", f"http://127.0.0.1:{port}/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)


def test_demo_serves_and_its_printed_logins_work(demo: Any) -> None:
    port, proc, output = demo
    wait_until_up(port, proc, output)
    printed = "".join(output)
    assert f"http://127.0.0.1:{port}/" in printed
    password = re.search(r"password for every account is: (\S+)", printed)
    assert password, printed
    usernames = [
        name
        for name in re.findall(r"^  ([a-z_]+)\s+\S", printed, flags=re.M)
        if name != "username"  # the table's heading
    ]
    assert "north_star" in usernames
    assert len(usernames) >= 12

    status, body = http(
        "POST",
        f"http://127.0.0.1:{port}/_allauth/app/v1/auth/login",
        {"username": usernames[0], "password": password.group(1)},
    )
    assert status == 200, body
    token = body["meta"]["session_token"]
    assert http("GET", f"http://127.0.0.1:{port}/readyz")[0] == 200
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
        html = page.read().decode()
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', html)
    assert stylesheet, "the home page links no stylesheet"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{stylesheet.group(1)}") as css:
        assert css.status == 200  # static files are served without collectstatic

    async def socket_round_trip() -> tuple[dict[str, Any], int | None]:
        import websockets

        url = f"ws://127.0.0.1:{port}/ws/events"
        async with websockets.connect(f"{url}?token={token}") as ws:
            await ws.send(json.dumps({"resume_from": 0}))
            await ws.send(json.dumps({"type": "ping"}))
            # Demo data gave the member notifications: they replay first, then the pong.
            while (pong := json.loads(await asyncio.wait_for(ws.recv(), 10)))["type"] != "pong":
                assert pong["seq"] is not None
        async with websockets.connect(url) as anonymous:
            try:
                await asyncio.wait_for(anonymous.recv(), 10)
            except websockets.ConnectionClosed as closed:
                return pong, closed.rcvd.code if closed.rcvd else None
        return pong, None

    # A thread of its own: Playwright's sync API (browser tests) may have left an event loop
    # set on this thread, and asyncio.run() refuses to nest.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pong, anonymous_close = pool.submit(asyncio.run, socket_round_trip()).result(timeout=60)
    assert pong["type"] == "pong"
    assert anonymous_close == 4401
    assert token not in "".join(output)  # the socket URL is logged with the token redacted


def test_demo_refuses_a_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with tempfile.TemporaryDirectory() as data_dir:
            env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
            env.update(ALONGSIDE_DATA_DIR=data_dir)
            result = subprocess.run(
                [sys.executable, "-m", "alongside.cli", "demo", "--port", str(port)],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
    assert result.returncode == 1
    assert f"Port {port} is already in use" in result.stderr
