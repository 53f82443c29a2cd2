#!/usr/bin/env python
"""Mixed load: simulated members read threads, reply, react and listen on ``/ws/events``;
every acknowledged write is read back through the API at the end.

    .venv/bin/python benchmarks/load/mixed.py                  # 32 members, 60 s
    .venv/bin/python benchmarks/load/mixed.py --members 64 --duration 120 --web-workers 2
    .venv/bin/python benchmarks/load --quick                   # the same, as a short smoke

By default it starts its own services (``stack.Stack``): a private PostgreSQL cluster and a
private Redis in ``--data-dir``, ``alongside serve --workers N --no-worker`` and one
``alongside worker``. ``--database-url``/``--redis-url`` use existing ones instead.

What a run proves, besides throughput and latency per action:

* **acknowledged writes**: every thread, reply and reaction the server answered 2xx (with an
  id) is read back through the API after the load: the thread by id, every post by walking its
  thread's pages (body equal to the one acknowledged), every reaction in the post's counts.
  ``lost`` counts those not found; it must be 0.
* **notifications**: each member keeps a WebSocket open from ``resume_from=0``. Every reply to
  a member's thread (or post) must reach that member as a ``notification`` event, every post
  that received support must reach its author as a ``reaction`` notification, and the
  sequence numbers each socket received must be exactly 1..head (no gap, no duplicate), also
  across reconnects (the client resumes from the last number it saw).

The client is standard library plus ``websockets`` (installed with ``uvicorn[standard]``).
``run_mixed`` and ``verify`` are also used by ``tests/e2e/test_load_small.py`` and by
``faults.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # benchmarks/: texts.py
sys.path.insert(0, str(HERE))

import texts  # noqa: E402

REQUEST_TIMEOUT_S = 20.0
PASSWORD = "load-Password-2024"
REACTION_KINDS = ("hug", "relate", "thanks", "strength")
#: A member replies at most this often: 15 a minute, under the posting limit of trusted
#: members (20 a minute, ``moderation.limits``), which the run is not meant to measure.
POST_INTERVAL_S = 4.0

#: action → weight. Reads dominate, as on a forum; ``help`` is the crisis page (never fails).
DEFAULT_MIX: dict[str, float] = {
    "thread_api": 0.30,
    "thread_page": 0.10,
    "thread_list": 0.08,
    "feed": 0.06,
    "notifications": 0.04,
    "help": 0.04,
    "reply": 0.24,
    "react": 0.14,
}


def log(message: str) -> None:
    print(message, flush=True)


# --- HTTP client -------------------------------------------------------------------------------


@dataclass
class Response:
    status: int  # 0: no HTTP answer (see ``error``)
    headers: dict[str, str]
    body: bytes
    seconds: float
    error: str = ""  # "timeout", "connect", "closed", ...

    def json(self) -> Any:
        return json.loads(self.body)


class Http:
    """One keep-alive HTTP/1.1 connection (a member's browser tab or app), reopened after an
    error. Requests on it are sequential, like a person's."""

    def __init__(self, base_url: str, *, address: str = "", timeout: float = REQUEST_TIMEOUT_S):
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.netloc = parts.netloc
        self.address = address  # sent as X-Forwarded-For: each member has its own
        self.timeout = timeout
        self._conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def close(self) -> None:
        if self._conn is not None:
            self._conn[1].close()
            with contextlib.suppress(Exception):
                await self._conn[1].wait_closed()
            self._conn = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str = "",
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        payload = b"" if body is None else json.dumps(body).encode()
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.netloc}",
            "User-Agent: alongside-load",
            "Accept: application/json" if path.startswith("/api/") else "Accept: text/html",
        ]
        if self.address:
            lines.append(f"X-Forwarded-For: {self.address}")
        if token:
            lines.append(f"X-Session-Token: {token}")
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + payload
        began = time.perf_counter()
        try:
            return await asyncio.wait_for(self._exchange(raw, began), self.timeout)
        except TimeoutError:
            await self.close()
            return Response(0, {}, b"", time.perf_counter() - began, "timeout")
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            await self.close()
            kind = "connect" if isinstance(exc, ConnectionRefusedError) else "closed"
            return Response(0, {}, b"", time.perf_counter() - began, kind)

    async def _exchange(self, raw: bytes, began: float) -> Response:
        for attempt in (1, 2):
            fresh = self._conn is None
            if self._conn is None:
                self._conn = await asyncio.open_connection(self.host, self.port)
            reader, writer = self._conn
            try:
                writer.write(raw)
                await writer.drain()
                head = await reader.readuntil(b"\r\n\r\n")
            except (OSError, asyncio.IncompleteReadError):
                # A kept-alive connection the server closed meanwhile: one retry on a new
                # one (the request never reached the application).
                await self.close()
                if fresh or attempt == 2:
                    raise
                continue
            break
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunks.append(await reader.readexactly(size + 2))
                if size == 0:
                    break
            body = b"".join(c[:-2] for c in chunks)
        else:
            body = await reader.read()
            await self.close()
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return Response(status, headers, body, time.perf_counter() - began)


# --- WebSocket client --------------------------------------------------------------------------


class Events:
    """A member's ``/ws/events`` socket: starts from ``resume_from=0``, reconnects after a drop
    and resumes from the last sequence number it received. Records every event with the time
    it arrived, and every gap or duplicate (both must stay 0)."""

    def __init__(self, base_url: str, token: str) -> None:
        parts = urlsplit(base_url)
        self.url = f"ws://{parts.netloc}/ws/events?token={token}"
        self.events: list[dict[str, Any]] = []
        self.arrived: dict[int, float] = {}  # seq → time.monotonic() of arrival
        self.last_seq = 0
        self.gaps = 0
        self.duplicates = 0
        self.connects = 0
        self.drops = 0
        self.errors: list[str] = []
        self._task: asyncio.Task[None] | None = None
        self._socket: Any = None
        self._stopping = False
        self.connected = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def reconnect(self) -> None:
        """Drop the socket as a phone losing signal would; the client comes back by itself."""
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close()

    async def _run(self) -> None:
        import websockets

        backoff = 0.2
        while not self._stopping:
            try:
                async with websockets.connect(
                    f"{self.url}&resume_from={self.last_seq}",
                    open_timeout=10,
                    ping_interval=20,
                    max_size=2**22,
                ) as socket:
                    self._socket = socket
                    self.connects += 1
                    self.connected.set()
                    backoff = 0.2
                    async for message in socket:
                        self._receive(json.loads(message))
                    if socket.close_code == 4401:
                        self.errors.append("closed 4401 (signed out)")
                        return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if len(self.errors) < 20:
                    self.errors.append(f"{type(exc).__name__}: {str(exc)[:120]}")
            finally:
                self._socket = None
            if self._stopping:
                return
            self.drops += 1
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 3.0)

    def _receive(self, message: dict[str, Any]) -> None:
        seq = message.get("seq")
        if not isinstance(seq, int):
            return  # pong / error frames carry no number
        if seq <= self.last_seq:
            self.duplicates += 1
            return
        if seq != self.last_seq + 1:
            self.gaps += 1
        self.last_seq = seq
        self.arrived[seq] = time.monotonic()
        self.events.append(message)

    def notified_posts(self, kind: str) -> dict[int, float]:
        """post id → arrival time of the first ``kind`` notification about it."""
        found: dict[int, float] = {}
        for event in self.events:
            data = event.get("data") or {}
            if event.get("type") != "notification" or data.get("kind") != kind:
                continue
            post_id = (data.get("data") or {}).get("post_id")
            if isinstance(post_id, int) and post_id not in found:
                found[post_id] = self.arrived.get(event["seq"], 0.0)
        return found


# --- members and data --------------------------------------------------------------------------


@dataclass
class Member:
    username: str
    user_id: int
    token: str
    address: str


def member_address(index: int) -> str:
    """A distinct client address per member (sent as X-Forwarded-For, as a reverse proxy
    would): per-address limits then apply per person, as in production."""
    return f"10.77.{index // 250}.{index % 250 + 1}"


def create_members(
    count: int, *, prefix: str, community: str, host: str | None = "127.0.0.1"
) -> list[Member]:
    """Members signed up through the real headless API (in this process; Django must be set
    up), joined to ``community`` (created public when missing) and given trust level 1, as
    people who have read a while before writing (a new account's posts are rate-limited
    harder, rightly, which is not what a load test measures)."""
    from django.test import Client

    from alongside.communities.models import Community, Membership
    from alongside.moderation.models import TrustStats
    from alongside.moderation.trust import thresholds

    place, _ = Community.objects.get_or_create(
        slug=community,
        defaults={
            "name": "Load test",
            "description": "Where the load test's members talk.",
            "rules": "Be kind.",
            "visibility": "public",
        },
    )
    # The reading that earns level 1, so the periodic recomputation keeps them there.
    earned: dict[str, Any] = {**thresholds()[1], "level": 1}
    extra = {"HTTP_HOST": host} if host else {}
    members = []
    for i in range(count):
        username = f"{prefix}{i:03d}"
        address = member_address(i)
        client = Client(REMOTE_ADDR=address, **extra)
        response = client.post(
            "/_allauth/app/v1/auth/signup",
            {"username": username, "password": PASSWORD, "birth_year": 1990, "accept_terms": True},
            content_type="application/json",
        )
        if response.status_code != 200:
            raise RuntimeError(f"sign-up of {username} failed: {response.status_code}")
        data = response.json()
        member = Member(
            username=username,
            user_id=int(data["data"]["user"]["id"]),
            token=data["meta"]["session_token"],
            address=address,
        )
        Membership.objects.get_or_create(community=place, user_id=member.user_id)
        TrustStats.objects.update_or_create(user_id=member.user_id, defaults=earned)
        members.append(member)
    return members


def stream_heads(user_ids: Iterable[int]) -> dict[int, int]:
    """The last sequence number of each person's event stream (Django must be set up)."""
    from alongside.core.models import EventStream

    heads = dict(
        EventStream.objects.filter(user_id__in=list(user_ids)).values_list("user_id", "last_seq")
    )
    return {uid: int(heads.get(uid, 0)) for uid in user_ids}


# --- what was acknowledged ---------------------------------------------------------------------


@dataclass
class Ack:
    """A write the server acknowledged (2xx with an id)."""

    kind: str  # thread | post | reaction
    member: int  # index of the member who wrote it
    thread_id: int
    post_id: int
    body: str = ""
    title: str = ""
    status: str = "visible"
    reaction: str = ""
    reply_to: int | None = None
    at: float = 0.0  # time.monotonic() of the acknowledgement


@dataclass
class Shared:
    """What the members know of each other's writes (from acknowledgements): which threads
    exist, and which visible posts (and by whom) they may reply to or react to."""

    threads: list[int] = field(default_factory=list)
    thread_author: dict[int, int] = field(default_factory=dict)
    post_author: dict[int, int] = field(default_factory=dict)
    posts_in: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    acks: list[Ack] = field(default_factory=list)

    def add(self, ack: Ack) -> None:
        self.acks.append(ack)
        if ack.kind == "thread":
            self.threads.append(ack.thread_id)
            self.thread_author[ack.thread_id] = ack.member
        if ack.kind in ("thread", "post") and ack.status == "visible":
            self.post_author[ack.post_id] = ack.member
            self.posts_in[ack.thread_id].append(ack.post_id)


# --- recording ---------------------------------------------------------------------------------


@dataclass
class Sample:
    t: float  # seconds since the load began
    action: str
    status: int
    ms: float
    error: str = ""
    retry_after: str | None = None
    code: str = ""  # the JSON error code of a 4xx/5xx answer


class Recorder:
    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.started = time.monotonic()

    def add(self, action: str, response: Response) -> None:
        code = ""
        if response.status >= 400 and response.body[:1] == b"{":
            with contextlib.suppress(ValueError, AttributeError):
                code = str(response.json().get("code", ""))
        self.samples.append(
            Sample(
                t=round(time.monotonic() - self.started, 3),
                action=action,
                status=response.status,
                ms=round(response.seconds * 1000, 2),
                error=response.error,
                retry_after=response.headers.get("retry-after"),
                code=code,
            )
        )


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)


def summarise(samples: list[Sample], seconds: float) -> dict[str, Any]:
    by_action: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_action[s.action].append(s)
    actions = {}
    for action, rows in sorted(by_action.items()):
        ms = [r.ms for r in rows if r.status]
        actions[action] = {
            "requests": len(rows),
            "rps": round(len(rows) / seconds, 1) if seconds else 0.0,
            "p50_ms": percentile(ms, 50),
            "p95_ms": percentile(ms, 95),
            "p99_ms": percentile(ms, 99),
            "max_ms": round(max(ms), 1) if ms else 0.0,
            "errors": sum(1 for r in rows if not 200 <= r.status <= 299),
            "statuses": dict(Counter(str(r.status or r.error) for r in rows)),
        }
    errors = [s for s in samples if not 200 <= s.status <= 299]
    return {
        "seconds": round(seconds, 1),
        "requests": len(samples),
        "rps": round(len(samples) / seconds, 1) if seconds else 0.0,
        "errors": len(errors),
        "error_kinds": dict(Counter(f"{s.action} {s.status or s.error} {s.code}" for s in errors)),
        "actions": actions,
    }


# --- the members' behaviour --------------------------------------------------------------------


def reply_body(rng: random.Random) -> str:
    """A supportive reply from the benchmark's neutral phrases; three parts drawn apart make
    near-identical texts rare, so the repetition screen (rightly) holds none."""
    return " ".join(
        [rng.choice(texts.REPLIES), rng.choice(texts.MIDDLES), rng.choice(texts.CLOSERS)]
    )


def thread_text(rng: random.Random) -> tuple[str, str]:
    body = " ".join([rng.choice(texts.OPENERS), *rng.sample(texts.MIDDLES, 2)])
    return rng.choice(texts.TITLES), body + "\n\n" + rng.choice(texts.CLOSERS)


async def create_thread(
    http: Http,
    member: Member,
    *,
    index: int,
    community: str,
    rng: random.Random,
    shared: Shared,
) -> Response:
    title, body = thread_text(rng)
    response = await http.request(
        "POST",
        f"/api/v1/communities/{community}/threads",
        token=member.token,
        body={"title": title, "body": body},
    )
    if response.status == 201:
        data = response.json()
        shared.add(
            Ack(
                kind="thread",
                member=index,
                thread_id=int(data["id"]),
                post_id=int(data["post"]["id"]),
                body=data["post"]["body"],
                title=data["title"],
                status=data["post"]["status"],
                at=time.monotonic(),
            )
        )
    return response


async def member_loop(
    index: int,
    member: Member,
    *,
    base_url: str,
    community: str,
    shared: Shared,
    recorder: Recorder,
    deadline: float,
    think: float,
    mix: dict[str, float],
    rng: random.Random,
) -> None:
    http = Http(base_url, address=member.address)
    names, weights = list(mix), list(mix.values())
    last_post = 0.0
    try:
        while time.monotonic() < deadline:
            action = rng.choices(names, weights)[0]
            tid = rng.choice(shared.threads) if shared.threads else 0
            response: Response
            if action == "thread_api":
                response = await http.request("GET", f"/api/v1/threads/{tid}", token=member.token)
            elif action == "thread_page":
                response = await http.request("GET", f"/t/{tid}/")
            elif action == "thread_list":
                response = await http.request(
                    "GET", f"/api/v1/communities/{community}/threads", token=member.token
                )
            elif action == "feed":
                response = await http.request("GET", "/api/v1/feed", token=member.token)
            elif action == "notifications":
                response = await http.request("GET", "/api/v1/notifications", token=member.token)
            elif action == "help":
                response = await http.request("GET", "/help/")
            elif action == "reply" and time.monotonic() - last_post < POST_INTERVAL_S:
                # Within the posting limit a member keeps to (people do not reply every
                # second): read the thread instead.
                action = "thread_api"
                response = await http.request("GET", f"/api/v1/threads/{tid}", token=member.token)
            elif action == "reply":
                last_post = time.monotonic()
                body: dict[str, Any] = {"body": reply_body(rng)}
                parents = [p for p in shared.posts_in.get(tid, []) if p in shared.post_author]
                if parents and rng.random() < 0.3:
                    body["reply_to"] = rng.choice(parents)
                response = await http.request(
                    "POST", f"/api/v1/threads/{tid}/posts", token=member.token, body=body
                )
                if response.status == 201:
                    data = response.json()
                    shared.add(
                        Ack(
                            kind="post",
                            member=index,
                            thread_id=tid,
                            post_id=int(data["id"]),
                            body=data["body"],
                            status=data["status"],
                            reply_to=body.get("reply_to"),
                            at=time.monotonic(),
                        )
                    )
            else:  # react
                others = [p for p, a in shared.post_author.items() if a != index]
                if not others:
                    continue
                post_id = rng.choice(others)
                kind = rng.choice(REACTION_KINDS)
                response = await http.request(
                    "POST",
                    f"/api/v1/posts/{post_id}/reactions",
                    token=member.token,
                    body={"kind": kind},
                )
                if response.status == 200:
                    shared.add(
                        Ack(
                            kind="reaction",
                            member=index,
                            thread_id=0,
                            post_id=post_id,
                            reaction=kind,
                            at=time.monotonic(),
                        )
                    )
            recorder.add(action, response)
            if response.status == 503:
                # A well-behaved client honours Retry-After (capped: the run measures recovery).
                retry = response.headers.get("retry-after", "1")
                await asyncio.sleep(min(float(retry) if retry.isdigit() else 1.0, 2.0))
            elif think > 0:
                await asyncio.sleep(rng.expovariate(1 / think))
    finally:
        await http.close()


@dataclass
class LoadRun:
    base_url: str
    members: list[Member]
    community: str
    shared: Shared = field(default_factory=Shared)
    recorder: Recorder = field(default_factory=Recorder)
    sockets: list[Events] = field(default_factory=list)
    setup_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


async def open_sockets(run: LoadRun, timeout: float = 20.0) -> None:
    run.sockets = [Events(run.base_url, m.token) for m in run.members]
    for socket in run.sockets:
        socket.start()
    await asyncio.wait_for(
        asyncio.gather(*(s.connected.wait() for s in run.sockets)), timeout=timeout
    )


async def start_threads(run: LoadRun, *, per_member: int = 1, seed: int = 1) -> None:
    """Each member opens ``per_member`` threads (acknowledged writes too)."""
    rng = random.Random(seed)

    async def one(index: int, member: Member) -> None:
        http = Http(run.base_url, address=member.address)
        try:
            for _ in range(per_member):
                response = await create_thread(
                    http, member, index=index, community=run.community, rng=rng, shared=run.shared
                )
                run.recorder.add("thread_create", response)
                if response.status != 201:
                    run.setup_errors.append(f"thread create {response.status}")
        finally:
            await http.close()

    await asyncio.gather(*(one(i, m) for i, m in enumerate(run.members)))


async def run_mixed(
    run: LoadRun,
    *,
    duration: float,
    think: float = 1.0,
    mix: dict[str, float] | None = None,
    seed: int = 1,
) -> None:
    """Every member acts until ``duration`` has passed (closed loop with think time)."""
    deadline = time.monotonic() + duration
    began = time.monotonic()
    await asyncio.gather(
        *(
            member_loop(
                i,
                m,
                base_url=run.base_url,
                community=run.community,
                shared=run.shared,
                recorder=run.recorder,
                deadline=deadline,
                think=think,
                mix=mix or DEFAULT_MIX,
                rng=random.Random(seed * 1000 + i),
            )
            for i, m in enumerate(run.members)
        )
    )
    run.seconds = time.monotonic() - began


# --- verification ------------------------------------------------------------------------------


async def _thread_posts(
    http: Http, thread_id: int, token: str
) -> tuple[int, dict[int, dict[str, Any]], dict[str, Any]]:
    """Every post of a thread the reader sees, walking all pages: (status, posts by id, thread)."""
    response = await http.request("GET", f"/api/v1/threads/{thread_id}", token=token)
    if response.status != 200:
        return response.status, {}, {}
    thread = response.json()
    posts = {p["id"]: p for p in thread["posts"]["items"]}
    cursor = thread["posts"]["next"]
    while cursor:
        page = await http.request(
            "GET", f"/api/v1/threads/{thread_id}/posts?cursor={cursor}", token=token
        )
        if page.status != 200:
            return page.status, posts, thread
        data = page.json()
        posts.update({p["id"]: p for p in data["items"]})
        cursor = data["next"]
    return 200, posts, thread


async def verify(
    run: LoadRun,
    *,
    notify_wait: float = 30.0,
    heads: Callable[[list[int]], dict[int, int]] | None = None,
) -> dict[str, Any]:
    """Read every acknowledged write back through the API and check every expected
    notification reached its member's socket. ``lost`` and ``missing`` must be 0."""
    shared = run.shared
    members = run.members
    reader = Http(run.base_url, address="10.77.255.1")
    problems: list[str] = []
    lost = Counter()
    checked = Counter()
    try:
        # Threads, by id, as their authors.
        thread_acks = [a for a in shared.acks if a.kind == "thread"]
        for ack in thread_acks:
            response = await reader.request(
                "GET", f"/api/v1/threads/{ack.thread_id}", token=members[ack.member].token
            )
            checked["thread"] += 1
            if response.status != 200 or response.json().get("title") != ack.title:
                lost["thread"] += 1
                problems.append(f"thread {ack.thread_id}: {response.status}")
        # Posts and reactions, walking each thread's pages as one member sees them.
        seen: dict[int, dict[str, Any]] = {}
        for thread_id in sorted(shared.thread_author):
            status, posts, _thread = await _thread_posts(reader, thread_id, members[0].token)
            if status != 200:
                problems.append(f"thread {thread_id} pages: {status}")
            seen.update(posts)
        for ack in shared.acks:
            if ack.kind not in ("thread", "post"):
                continue
            checked["post"] += 1
            post = seen.get(ack.post_id)
            if post is None and ack.status != "visible":
                # Held or waiting: not public, so its author is the one to find it.
                _s, own, _t = await _thread_posts(reader, ack.thread_id, members[ack.member].token)
                post = own.get(ack.post_id)
            if post is None or post.get("body") != ack.body:
                lost["post"] += 1
                problems.append(f"post {ack.post_id}: {'missing' if post is None else 'changed'}")
        reacted: dict[tuple[int, str], set[int]] = defaultdict(set)
        for ack in shared.acks:
            if ack.kind == "reaction":
                reacted[(ack.post_id, ack.reaction)].add(ack.member)
        for (post_id, kind), who in sorted(reacted.items()):
            checked["reaction"] += len(who)
            count = int(((seen.get(post_id) or {}).get("reactions") or {}).get(kind, 0))
            if count < len(who):
                lost["reaction"] += len(who) - count
                problems.append(f"post {post_id} {kind}: {count} of {len(who)}")
    finally:
        await reader.close()

    # Notifications expected on the sockets.
    expected: dict[str, dict[int, set[int]]] = {"reply": defaultdict(set), "reaction": {}}
    expected["reaction"] = defaultdict(set)
    for ack in shared.acks:
        if ack.kind == "post" and ack.status == "visible":
            recipients = {shared.thread_author.get(ack.thread_id)}
            if ack.reply_to is not None:
                recipients.add(shared.post_author.get(ack.reply_to))
            for who in recipients - {None, ack.member}:
                expected["reply"][who].add(ack.post_id)  # type: ignore[index]
        elif ack.kind == "reaction":
            author = shared.post_author.get(ack.post_id)
            if author is not None and author != ack.member:
                expected["reaction"][author].add(ack.post_id)
    acked_at = {a.post_id: a.at for a in shared.acks if a.kind in ("thread", "post")}
    first_reaction: dict[int, float] = {}
    for ack in shared.acks:
        if ack.kind == "reaction":
            first_reaction[ack.post_id] = min(first_reaction.get(ack.post_id, ack.at), ack.at)

    def missing_now() -> dict[str, int]:
        out = dict.fromkeys(expected, 0)
        for kind, wanted in expected.items():
            for who, post_ids in wanted.items():
                got = run.sockets[who].notified_posts(kind) if run.sockets else {}
                out[kind] += len(post_ids - set(got))
        return dict(out)

    ended = time.monotonic()
    deadline = ended + notify_wait
    missing = missing_now()
    while run.sockets and sum(missing.values()) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        missing = missing_now()
    delays: list[float] = []
    for kind, wanted in expected.items():
        for who, post_ids in wanted.items():
            got = run.sockets[who].notified_posts(kind) if run.sockets else {}
            for post_id in post_ids & set(got):
                sent = acked_at.get(post_id) if kind == "reply" else first_reaction.get(post_id)
                if sent:
                    delays.append(max(0.0, got[post_id] - sent) * 1000)
    stream: dict[str, Any] = {}
    if run.sockets:
        ids = [m.user_id for m in members]
        head_of = await asyncio.to_thread(heads, ids) if heads else {}
        behind = sum(
            1
            for m, s in zip(members, run.sockets, strict=True)
            if head_of and s.last_seq != head_of.get(m.user_id, 0)
        )
        stream = {
            "sockets": len(run.sockets),
            "events": sum(len(s.events) for s in run.sockets),
            "gaps": sum(s.gaps for s in run.sockets),
            "duplicates": sum(s.duplicates for s in run.sockets),
            "reconnects": sum(max(0, s.connects - 1) for s in run.sockets),
            "behind_head": behind if head_of else None,
            "socket_errors": sorted({e for s in run.sockets for e in s.errors})[:10],
        }
    return {
        "acknowledged": dict(checked),
        "lost": dict(lost),
        "lost_total": sum(lost.values()),
        "notifications_expected": {k: sum(len(v) for v in w.values()) for k, w in expected.items()},
        "notifications_missing": missing,
        "notifications_missing_total": sum(missing.values()),
        "notification_delay_ms": {
            "p50": percentile(delays, 50),
            "p95": percentile(delays, 95),
            "p99": percentile(delays, 99),
            "max": round(max(delays), 1) if delays else 0.0,
        },
        "stream": stream,
        "problems": problems[:20],
    }


# --- the benchmark -----------------------------------------------------------------------------

HEADER = (
    f"{'action':<14} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
    f"{'errors':>6}"
)


def table(summary: dict[str, Any]) -> str:
    lines = [HEADER]
    for action, row in summary["actions"].items():
        lines.append(
            f"{action:<14} {row['requests']:>8} {row['rps']:>7.1f} {row['p50_ms']:>8.1f} "
            f"{row['p95_ms']:>8.1f} {row['p99_ms']:>8.1f} {row['errors']:>6}"
        )
    lines.append(
        f"{'all':<14} {summary['requests']:>8} {summary['rps']:>7.1f} {'':>8} {'':>8} {'':>8} "
        f"{summary['errors']:>6}"
    )
    return "\n".join(lines)


def verdict_lines(summary: dict[str, Any], proof: dict[str, Any]) -> list[str]:
    stream = proof["stream"]
    delay = proof["notification_delay_ms"]
    return [
        f"acknowledged writes: {proof['acknowledged']}; lost: {proof['lost_total']}",
        (
            f"notifications expected: {proof['notifications_expected']}; "
            f"missing: {proof['notifications_missing_total']}; delay p50/p95/p99/max: "
            f"{delay['p50']:.0f}/{delay['p95']:.0f}/{delay['p99']:.0f}/{delay['max']:.0f} ms"
        ),
        (
            f"event streams: {stream.get('events', 0)} events on {stream.get('sockets', 0)} "
            f"sockets, gaps {stream.get('gaps')}, duplicates {stream.get('duplicates')}, "
            f"reconnects {stream.get('reconnects')}, sockets behind their stream head "
            f"{stream.get('behind_head')}"
        ),
        f"errors: {summary['errors']} {summary['error_kinds'] or ''}",
    ]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=32, help="simulated members (32)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (60)")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time, s (1.0)")
    parser.add_argument("--web-workers", type=int, default=2, help="web processes (2)")
    parser.add_argument("--quick", action="store_true", help="8 members, 15 s")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--label", default="mixed")
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--data-dir", default="/tmp/al-load-bench")
    parser.add_argument(
        "--database-url", default="", help="use this database instead of a private cluster"
    )
    parser.add_argument("--redis-url", default="", help="use this Redis instead of a private one")
    args = parser.parse_args(argv)
    if args.quick:
        args.members, args.duration = 8, 15
    return args


async def _bench(args: argparse.Namespace, stack: Any, members: list[Member]) -> dict[str, Any]:
    run = LoadRun(base_url=stack.base_url, members=members, community=stack.community)
    await open_sockets(run)
    await start_threads(run, per_member=1, seed=args.seed)
    log(f"== load: {args.members} members, {args.duration:g} s, think {args.think:g} s")
    run.recorder = Recorder()
    await run_mixed(run, duration=args.duration, think=args.think, seed=args.seed)
    summary = summarise(run.recorder.samples, run.seconds)
    proof = await verify(run, heads=stack.heads)
    for socket in run.sockets:
        await socket.stop()
    return {"summary": summary, "proof": proof, "setup_errors": run.setup_errors}


def main(argv: list[str] | None = None) -> int:
    from stack import Stack, machine, write_results

    args = parse_args(argv)
    started = datetime.datetime.now(datetime.UTC)
    with Stack(
        data_dir=Path(args.data_dir),
        port=args.port,
        web_workers=args.web_workers,
        database_url=args.database_url,
        redis_url=args.redis_url,
    ) as stack:
        members = stack.members(args.members, label=args.label)
        result = asyncio.run(_bench(args, stack, members))
        cpu = stack.cpu_report()
        services = stack.describe()
    summary, proof = result["summary"], result["proof"]
    log("\n" + table(summary))
    for line in verdict_lines(summary, proof):
        log(line)
    if proof["problems"]:
        log("problems: " + "; ".join(proof["problems"]))
    info = {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "members": args.members,
            "duration_s": args.duration,
            "think_s": args.think,
            "web_workers": args.web_workers,
            "mix": DEFAULT_MIX,
            "services": services,
        },
        "cpu": cpu,
        **result,
    }
    out = write_results(info, args.label)
    log(f"\nresults: {out}")
    failed = (
        summary["errors"]
        or proof["lost_total"]
        or proof["notifications_missing_total"]
        or proof["stream"].get("gaps")
        or proof["stream"].get("duplicates")
        or proof["stream"].get("behind_head")
        or result["setup_errors"]
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
