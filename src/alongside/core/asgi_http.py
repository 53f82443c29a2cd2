"""HTTP for uvicorn: Django's WSGI handler run in a worker thread, one thread hop per request.

Django's ASGI handler runs a synchronous site with three hand-overs between the event loop and
its one synchronous thread per request (into the middleware chain, back out to the loop for the
view handler, into the thread again for the view), each costing real CPU: on the thread page it
was ~2 ms of ~10 ms in process, on ``/healthz`` 1.8 ms against 0.26 ms (decision 0019). Every
view and middleware of Alongside is synchronous, so this adapter reads the request body on the
loop, runs the whole WSGI application once in a worker thread, and sends the response back.

asgiref's ``WsgiToAsgi`` does the same job but hands every response chunk back to the loop
through ``async_to_sync`` and never calls ``close()`` on the response, which is where Django
fires ``request_finished`` (returning database connections to the pool, among other things);
hence this small class. WebSockets stay on Channels (``alongside.asgi``).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from tempfile import SpooledTemporaryFile
from typing import IO, Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: Same limit as asgiref's adapter: a request repeating one header more often is refused.
DUPLICATE_HEADER_LIMIT = 100
#: Response bodies are sent to the client in pieces of at most this size.
CHUNK = 64 * 1024


class TooManyHeaders(ValueError):
    pass


def body_limit() -> int | None:
    """The largest request body read at all: twice what Django will parse
    (``DATA_UPLOAD_MAX_MEMORY_SIZE``, 2.5 MB by default; Alongside takes no file uploads).
    Django refuses bodies over its own limit anyway; this stops a client from making the server
    spool gigabytes to disk first."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return None if limit is None else 2 * limit


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0  # uvicorn refuses a malformed length before we see it
    return 0


def build_environ(scope: Scope, body: IO[bytes]) -> dict[str, Any]:
    """The WSGI environ (PEP 3333) of an ASGI HTTP scope."""
    script_name = scope.get("root_path", "").encode("utf-8").decode("latin-1")
    path_info = scope["path"].encode("utf-8").decode("latin-1")
    if script_name and path_info.startswith(script_name):
        path_info = path_info[len(script_name) :]
    server = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_info,
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1] if server[1] is not None else 80),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"] = client[0]
        environ["REMOTE_PORT"] = str(client[1])
    seen: dict[str, int] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        key = name if name in {"CONTENT_LENGTH", "CONTENT_TYPE"} else f"HTTP_{name}"
        value = raw_value.decode("latin-1")
        count = seen.get(key, 0) + 1
        if count > DUPLICATE_HEADER_LIMIT:
            raise TooManyHeaders(key)
        seen[key] = count
        # Repeated headers are joined as HTTP allows (cookies with "; ", the rest with ",").
        if key in environ and count > 1:
            environ[key] += ("; " if key == "HTTP_COOKIE" else ",") + value
        else:
            environ[key] = value
    return environ


class Response:
    """What the WSGI application answered, collected in the worker thread."""

    __slots__ = ("chunks", "headers", "status")

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []


class DjangoHTTP:
    """ASGI application for ``http`` scopes that serves Django through its WSGI handler."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()
        # One thread, as Django's ASGI handler runs all synchronous code of a process in one
        # thread: requests are served in arrival order, which keeps the tail short (four threads
        # measured 5 % more requests per second and a p99 half as long again, decision 0019).
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"DjangoHTTP serves http scopes, not {scope['type']!r}")
        limit = body_limit()
        if limit is not None and _declared_length(scope) > limit:
            await _send_plain(send, 413, b"Request body too large.")
            return
        with SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE) as body:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return  # the client went away before sending its whole request
                body.write(message.get("body", b""))
                if limit is not None and body.tell() > limit:
                    # Alongside takes no uploads: refuse before spooling more to disk.
                    await _send_plain(send, 413, b"Request body too large.")
                    return
                if not message.get("more_body", False):
                    break
            size = body.tell()
            body.seek(0)
            try:
                environ = build_environ(scope, body)
            except TooManyHeaders:
                await _send_plain(send, 400, b"Bad Request: a header is repeated too often.")
                return
            # The body is read whole (as Django's ASGI handler does), so its length is known even
            # when the client sent it in chunks without a Content-Length, which WSGI needs.
            environ["CONTENT_LENGTH"] = str(size)
            loop = asyncio.get_running_loop()
            response = await loop.run_in_executor(self.executor, self.run, environ)
        await send(
            {"type": "http.response.start", "status": response.status, "headers": response.headers}
        )
        chunks = response.chunks
        last = len(chunks) - 1
        for index, chunk in enumerate(chunks):
            await send({"type": "http.response.body", "body": chunk, "more_body": index < last})
        if not chunks:
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    def run(self, environ: dict[str, Any]) -> Response:
        """Run the WSGI application in this (worker) thread and collect its whole answer."""
        response = Response()

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None, /
        ) -> Callable[[bytes], object]:
            response.status = int(status.split(" ", 1)[0])
            response.headers = [
                (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
            ]
            return response.chunks.append  # the legacy write() callable of PEP 3333

        result: Iterable[bytes] = self.handler(environ, start_response)
        try:
            pending = bytearray()
            for piece in result:
                pending += piece
                if len(pending) >= CHUNK:
                    response.chunks.append(bytes(pending))
                    pending.clear()
            if pending:
                response.chunks.append(bytes(pending))
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()  # Django's request_finished: connections back to the pool
        return response


async def _send_plain(send: Send, status: int, text: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"x-content-type-options", b"nosniff"),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": text, "more_body": False})
