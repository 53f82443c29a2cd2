"""Whole pages kept for signed-out visitors, valid until anything a visitor can see changes
(decision 0022).

**One write generation for the site.** A single-row counter (:class:`WriteGeneration`) goes
up after every committed write to a table whose rows can change what a visitor sees. The
writes are noticed on the database connection itself (an execute wrapper installed on every
connection), not in the services: no write path — a service, a job, a management command in
another process, raw SQL — can forget it. A table missing from :data:`UNSEEN_TABLES` costs hit
rate, never correctness: the default is to count the write.

**After commit.** The counter goes up once the write is committed (in autocommit right after
the statement, inside a transaction through ``on_commit``). A page reads the generation
before its data, so the only mix possible — newer data kept under the older generation — is
never served again once the counter moves. Counting inside the transaction would make the
counter row a lock every content write waits on, the crisis paths included.

**Per process, bounded, short-lived.** Pages live in this process's memory only (an LRU of
``PAGE_CACHE_ENTRIES``), keyed by (generation, scheme, host, full path, language, htmx or
not), and for ``PAGE_CACHE_SECONDS`` at most: the backstop for writes no connection sees (an
operator's ``psql``). Nothing goes through Redis: what a page shows never depends on it.

**Only requests that cannot differ**: GET, no session cookie, no messages cookie, no
``Authorization`` or session-token header, an anonymous reader, a 200 answer that set no
cookie. The reader's CSRF token (the language form) is kept as a placeholder and each
reader's own is put back; a page still holding anything shaped like a token after that is
not kept.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.transaction import TransactionManagementError
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from alongside.core import fragments
from alongside.core.lru import BoundedMemo

log = logging.getLogger(__name__)

#: Tables whose rows never change what a signed-out visitor sees on a kept page. Writes to
#: them (most happen while signed-in people read) leave the generation alone.
UNSEEN_TABLES = frozenset(
    {
        "core_writegeneration",
        "django_migrations",
        "django_session",
        "usersessions_usersession",
        "moderation_threadvisit",
        "moderation_truststats",
        "core_auditentry",
        "core_event",
        "core_eventstream",
        "core_periodicrun",
        "core_workerheartbeat",
        "core_ratelimitwindow",
        "django_tasks_database_dbtaskresult",
        "notifications_notification",
    }
)

_TABLE = "core_writegeneration"
_READS = ("SELECT", "SAVEPOINT", "RELEASE", "SHOW", "EXPLAIN", "BEGIN", "COMMIT", "ROLLBACK")
#: Schema changes run only while migrating, after which every process restarts.
_SCHEMA = ("CREATE", "ALTER", "DROP", "COMMENT")
_WRITE_TARGET = re.compile(
    r"\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+[\"`]?(\w+)",
    re.IGNORECASE,
)
_WRITE_WORD = re.compile(r"\b(?:INSERT|UPDATE|DELETE|REPLACE|MERGE)\b", re.IGNORECASE)
_CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{64}(")')
_TOKEN_SHAPED = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")
#: The same placeholder the memoised fragments use; :func:`fragments.with_csrf` fills it.
PLACEHOLDER = fragments.CSRF_PLACEHOLDER
#: Headers of a kept page that are the page's own (the middleware adds the rest each time).
_KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary")


# --- noticing writes ---------------------------------------------------------------------------


def changes_pages(sql: str) -> bool:
    """Whether a statement may change what a visitor sees: a write to a table outside
    :data:`UNSEEN_TABLES`, or anything that is not plainly a read or a schema change
    (``WITH … UPDATE``, ``TRUNCATE``, ``COPY``)."""
    head = sql.lstrip()[:10].upper()
    if head.startswith(_READS) or head.startswith(_SCHEMA):
        return False
    if head.startswith("WITH") and not _WRITE_WORD.search(sql):
        return False
    if head.startswith("SET ") or head.startswith("PRAGMA"):
        return False
    found = _WRITE_TARGET.match(sql)
    if found is not None:
        return found.group(1).lower() not in UNSEEN_TABLES
    return True


def _counter_exists(connection: BaseDatabaseWrapper) -> bool:
    try:
        return _TABLE in connection.introspection.table_names()
    except Exception:  # the connection is gone: say it exists, so the failure is logged
        return True


def _bump_after_commit(connection: BaseDatabaseWrapper) -> None:
    """Count one committed write. Every write registers a callback (a callback registered in
    a savepoint that rolls back is dropped with it, so registering once per transaction
    could lose the count); the first to run after the commit counts, the rest find nothing
    to do."""
    connection.alongside_unbumped = True  # type: ignore[attr-defined]

    def bump() -> None:
        if not getattr(connection, "alongside_unbumped", False):
            return
        connection.alongside_unbumped = False  # type: ignore[attr-defined]
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE {_TABLE} SET value = value + 1 WHERE id = 1")  # noqa: S608
        except Exception:  # a counter must never take down the write it follows
            _holder.clear()
            if not _counter_exists(connection):
                return  # migrating a new database: nothing is served before it exists
            # The write is committed; only the counter failed (the connection lost, say).
            # Pages kept in this process are gone; other processes' expire within
            # PAGE_CACHE_SECONDS.
            log.warning("write generation not counted", exc_info=True)

    try:
        transaction.on_commit(bump, using=connection.alias)
    except TransactionManagementError:
        # Manual transaction management (nothing in Alongside uses it): commit is not
        # observable, so count now and let PAGE_CACHE_SECONDS bound a page kept in between.
        bump()


def watch_writes(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    """Execute wrapper for every connection (installed in ``CoreConfig.ready``)."""
    result = execute(sql, params, many, context)
    if changes_pages(sql):
        _bump_after_commit(context["connection"])
    return result


def install(sender: Any = None, connection: BaseDatabaseWrapper | None = None, **_: Any) -> None:
    """``connection_created`` receiver: the wrapper goes on each new connection once."""
    if connection is not None and watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)


def generation(using: str = "default") -> int | None:
    """The current write generation, or None when the counter row is missing (then no page
    is kept or served)."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT value FROM {_TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    return int(row[0]) if row else None


# --- keeping pages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class KeptPage:
    at: float
    body: str
    headers: tuple[tuple[str, str], ...]


class _Holder:
    """This process's store, made at its configured size on first use."""

    def __init__(self) -> None:
        self.pages: BoundedMemo[tuple[Any, ...], KeptPage] | None = None
        self.lock = threading.Lock()

    def get(self, size: int) -> BoundedMemo[tuple[Any, ...], KeptPage]:
        with self.lock:
            if self.pages is None or self.pages.max_entries != size:
                self.pages = BoundedMemo(size)
            return self.pages

    def clear(self) -> None:
        with self.lock:
            if self.pages is not None:
                self.pages.clear()


_holder = _Holder()


def store() -> BoundedMemo[tuple[Any, ...], KeptPage] | None:
    """This process's kept pages; None when ``PAGE_CACHE_ENTRIES`` is 0 (off)."""
    size = int(getattr(settings, "PAGE_CACHE_ENTRIES", 0))
    return _holder.get(size) if size > 0 else None


def key_for(request: HttpRequest) -> tuple[Any, ...] | None:
    """The key of this request's page, or None when the page may differ for this reader."""
    if request.method != "GET":
        return None
    if request.COOKIES.get(settings.SESSION_COOKIE_NAME) or request.COOKIES.get("messages"):
        return None
    if "HTTP_AUTHORIZATION" in request.META or "HTTP_X_SESSION_TOKEN" in request.META:
        return None
    user = getattr(request, "user", None)
    if user is None or user.is_authenticated:
        return None
    current = generation()
    if current is None:
        return None
    return (
        current,
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        translation.get_language(),
        bool(getattr(request, "htmx", False)),
    )


def _keepable_body(request: HttpRequest, response: HttpResponse) -> str | None:
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    if "Set-Cookie" in response or "Cache-Control" in response:
        return None
    try:
        body = response.content.decode(response.charset or "utf-8")
    except UnicodeDecodeError:
        return None
    body = _CSRF_INPUT.sub(rf"\g<1>{PLACEHOLDER}\g<2>", body)
    secret = request.META.get("CSRF_COOKIE") or ""
    if _TOKEN_SHAPED.search(body) or (secret and secret in body):
        return None  # a token of this reader's somewhere else: never hand it to another
    return body


def _served(request: HttpRequest, page: KeptPage) -> HttpResponse:
    response = HttpResponse(fragments.with_csrf(request, page.body))
    for name, value in page.headers:
        response[name] = value
    return response


def anonymous_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve a signed-out visitor's GET of ``view`` from the kept pages when the site has not
    changed since it was kept; otherwise run the view and keep what it answered."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        pages = store()
        key = key_for(request) if pages is not None else None
        if pages is None or key is None:
            return view(request, *args, **kwargs)
        now = time.monotonic()
        found = pages.get(key)
        if found is not None and now - found.at < settings.PAGE_CACHE_SECONDS:
            return _served(request, found)
        response = view(request, *args, **kwargs)
        body = _keepable_body(request, response)
        if body is not None:
            headers = tuple((h, response[h]) for h in _KEPT_HEADERS if h in response)
            pages.put(key, KeptPage(at=now, body=body, headers=headers))
        return response

    return wrapped
