"""The HTTP half of ``alongside.asgi``: Django's WSGI handler run in a worker thread
(decision 0019). Driven the way uvicorn drives it: an ASGI scope, ``receive`` and ``send``."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.signals import request_finished

from alongside.asgi import application
from alongside.core.asgi_http import DUPLICATE_HEADER_LIMIT, DjangoHTTP, body_limit, build_environ


def http_scope(
    path: str,
    *,
    method: str = "GET",
    headers: list[tuple[bytes, bytes]] | None = None,
    query: bytes = b"",
) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("10.1.2.3", 50123),
        "server": ("testserver", 80),
    }


async def call(
    app: Any, scope: dict[str, Any], body_parts: list[bytes] | None = None
) -> tuple[int, dict[bytes, list[bytes]], bytes, list[dict[str, Any]]]:
    """Run one request; answer (status, headers, body, the messages sent)."""
    parts = list(body_parts or [b""])
    incoming: list[dict[str, Any]] = [
        {"type": "http.request", "body": part, "more_body": i < len(parts) - 1}
        for i, part in enumerate(parts)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop(0)
        await asyncio.Event().wait()  # as a server does: nothing more until disconnect
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await asyncio.wait_for(app(scope, receive, send), timeout=30)
    start = sent[0]
    assert start["type"] == "http.response.start"
    headers: dict[bytes, list[bytes]] = {}
    for name, value in start["headers"]:
        headers.setdefault(name, []).append(value)
    body = b"".join(m.get("body", b"") for m in sent[1:])
    assert sent[-1]["type"] == "http.response.body" and not sent[-1].get("more_body", False)
    return start["status"], headers, body, sent


@pytest.fixture
def finished() -> Iterator[list[Any]]:
    seen: list[Any] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        seen.append(sender)

    request_finished.connect(receiver)
    yield seen
    request_finished.disconnect(receiver)


@pytest.mark.django_db(transaction=True)
async def test_a_page_through_the_application(finished: list[Any]) -> None:
    status, headers, body, _ = await call(application, http_scope("/help"))
    assert status == 200
    assert headers[b"content-type"][0].startswith(b"text/html")
    assert b"<html" in body and b"</html>" in body
    # the security headers of the middleware chain are there, as under Django's ASGI handler
    assert b"content-security-policy" in headers
    assert headers[b"x-content-type-options"] == [b"nosniff"]
    # Django's request_finished fired: database connections went back to the pool
    assert finished, "request_finished was not sent (the response was never closed)"


@pytest.mark.django_db(transaction=True)
async def test_a_body_sent_in_chunks_without_content_length_reaches_the_view() -> None:
    """WSGI reads CONTENT_LENGTH bytes; a chunked request has none, so the adapter sets it to
    what it received. The signup API answers about the password, so it read the whole body."""
    payload = json.dumps({"username": "chunky", "password": "short"}).encode()
    status, _, body, _ = await call(
        application,
        http_scope(
            "/_allauth/app/v1/auth/signup",
            method="POST",
            headers=[(b"content-type", b"application/json")],
        ),
        [payload[:10], payload[10:25], payload[25:]],
    )
    assert status == 400
    errors = json.loads(body)["errors"]
    assert any(error.get("param") == "password" for error in errors), errors
    assert not any(error.get("param") == "username" for error in errors), errors


def test_environ_carries_what_django_reads() -> None:
    scope = http_scope(
        "/t/ünï/",
        query=b"q=sleep&page=2",
        headers=[
            (b"cookie", b"a=1"),
            (b"cookie", b"b=2"),
            (b"accept-language", b"zh-Hans"),
            (b"x-forwarded-for", b"1.1.1.1"),
            (b"x-forwarded-for", b"2.2.2.2"),
            (b"content-type", b"application/json"),
        ],
    )
    environ = build_environ(scope, io.BytesIO(b""))
    assert environ["PATH_INFO"] == "/t/ünï/".encode().decode("latin-1")  # PEP 3333 form
    assert environ["QUERY_STRING"] == "q=sleep&page=2"
    assert environ["REMOTE_ADDR"] == "10.1.2.3"
    assert environ["HTTP_COOKIE"] == "a=1; b=2"
    assert environ["HTTP_X_FORWARDED_FOR"] == "1.1.1.1,2.2.2.2"
    assert environ["CONTENT_TYPE"] == "application/json"
    assert "HTTP_CONTENT_TYPE" not in environ
    assert environ["HTTP_ACCEPT_LANGUAGE"] == "zh-Hans"
    assert environ["SERVER_NAME"] == "testserver" and environ["SERVER_PORT"] == "80"
    assert environ["wsgi.url_scheme"] == "http"


async def test_a_header_repeated_past_the_limit_is_refused_without_running_the_site() -> None:
    app = DjangoHTTP()
    ran: list[Any] = []
    app.handler = lambda environ, start_response: ran.append(environ) or []  # type: ignore[assignment,func-returns-value]
    scope = http_scope("/", headers=[(b"x-a", b"1")] * (DUPLICATE_HEADER_LIMIT + 1))
    status, _, body, _ = await call(app, scope)
    assert status == 400 and b"repeated" in body
    assert ran == []


class _Closing:
    """A WSGI response that yields pieces and records being closed."""

    def __init__(self, pieces: list[bytes], fail_at: int | None = None) -> None:
        self.pieces = pieces
        self.fail_at = fail_at
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        for index, piece in enumerate(self.pieces):
            if index == self.fail_at:
                raise RuntimeError("broken response")
            yield piece

    def close(self) -> None:
        self.closed = True


async def test_large_responses_go_out_in_pieces_and_the_response_is_closed() -> None:
    app = DjangoHTTP()
    response = _Closing([b"x" * 40_000] * 5)
    seen_body: list[bytes] = []

    def wsgi(environ: dict[str, Any], start_response: Any) -> _Closing:
        seen_body.append(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
        start_response(
            "201 Created",
            [("Content-Type", "text/plain"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
        )
        return response

    app.handler = wsgi  # type: ignore[assignment]
    status, headers, body, sent = await call(app, http_scope("/", method="POST"), [b"ab", b"cd"])
    assert status == 201
    assert headers[b"set-cookie"] == [b"a=1", b"b=2"]  # repeated headers stay separate
    assert body == b"x" * 200_000
    assert len(sent) > 2  # more than one body message
    assert seen_body == [b"abcd"]
    assert response.closed


async def test_an_error_while_answering_still_closes_the_response() -> None:
    app = DjangoHTTP()
    response = _Closing([b"a", b"b"], fail_at=1)

    def wsgi(environ: dict[str, Any], start_response: Any) -> _Closing:
        start_response("200 OK", [])
        return response

    app.handler = wsgi  # type: ignore[assignment]
    with pytest.raises(RuntimeError):
        await call(app, http_scope("/"))
    assert response.closed  # the server answers 500; Django's request_finished still ran


async def test_a_client_that_leaves_before_its_body_is_not_answered() -> None:
    app = DjangoHTTP()
    ran: list[Any] = []
    app.handler = lambda environ, start_response: ran.append(environ) or []  # type: ignore[assignment,func-returns-value]
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": b"a", "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(http_scope("/", method="POST"), receive, send)
    assert sent == [] and ran == []


@pytest.mark.django_db(transaction=True)
async def test_a_static_file_streams_through_and_head_has_no_body() -> None:
    """WhiteNoise answers with a file response (an iterator over an open file): it is read
    in the worker thread, sent whole, and closed."""
    from django.contrib.staticfiles import finders

    found = finders.find("alongside/site.css")
    assert found, "the stylesheet is where the site links it"
    with open(found, "rb") as handle:
        expected = handle.read()
    status, headers, body, _ = await call(application, http_scope("/static/alongside/site.css"))
    assert status == 200
    assert headers[b"content-type"][0].startswith(b"text/css")
    assert body == expected
    status, headers, body, _ = await call(
        application, http_scope("/static/alongside/site.css", method="HEAD")
    )
    assert status == 200 and body == b""
    assert headers[b"content-length"] == [str(len(expected)).encode()]


@pytest.mark.django_db(transaction=True)
async def test_an_unknown_page_is_the_sites_404_not_a_server_error() -> None:
    status, headers, body, _ = await call(application, http_scope("/no/such/page/"))
    assert status == 404
    assert headers[b"content-type"][0].startswith(b"text/html")
    assert b"<html" in body


async def test_a_body_over_the_limit_is_refused_without_running_the_site() -> None:
    app = DjangoHTTP()
    ran: list[Any] = []
    app.handler = lambda environ, start_response: ran.append(environ) or []  # type: ignore[assignment,func-returns-value]
    limit = body_limit()
    assert limit is not None
    # sent in pieces without a length: refused as soon as it passes the limit
    piece = b"x" * (limit // 4 + 1)
    status, headers, body, _ = await call(app, http_scope("/", method="POST"), [piece] * 8)
    assert status == 413 and b"too large" in body
    assert headers[b"x-content-type-options"] == [b"nosniff"]
    # a declared length over the limit: refused before reading
    scope = http_scope("/", method="POST", headers=[(b"content-length", str(limit + 1).encode())])
    status, _, _, _ = await call(app, scope, [b"x"])
    assert status == 413
    assert ran == []

    # at the limit it goes through
    def empty(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("204 No Content", [])
        return []

    app.handler = empty  # type: ignore[assignment]
    status, _, _, _ = await call(app, http_scope("/", method="POST"), [b"x" * limit])
    assert status == 204
