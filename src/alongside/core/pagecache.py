"""Whole pages kept for signed-out visitors, valid until anything a visitor can see changes
(decision 0022).

**Write generations.** Counters (:class:`WriteGeneration`) go up after every committed write
to a table whose rows can change what a visitor sees. The writes are noticed on the database
connection itself (an execute wrapper installed on every connection), not in the services: no
write path — a service, a job, a management command in another process, raw SQL — can forget
it. A table missing from :data:`UNSEEN_TABLES` costs hit rate, never correctness: the default
is to count the write.

**Scopes (decision 0023).** A write a service declares confined to one scope — a reply, a
reaction, an edit, all in one thread — moves that scope's counter (:class:`ScopeGeneration`)
and the counter of every write, not the site's: the pages of the other threads stay kept.
Only writes to the tables the service names for the scope are confined; any other write in
the block (a new tag, a membership, a safety record) still moves the site's counter. Pages
that are not one scope's (none are kept yet) key on the counter of every write.

**After commit.** The counter goes up once the write is committed (in autocommit right after
the statement, inside a transaction through ``on_commit``). A page reads the generation
before its data, so the only mix possible — newer data kept under the older generation — is
never served again once the counter moves. Counting inside the transaction would make the
counter row a lock every content write waits on, the crisis paths included.

**Per process, bounded, short-lived.** Pages live in this process's memory only (an LRU of
``PAGE_CACHE_ENTRIES``), keyed by (generations, scope, scheme, host, full path, language,
htmx or not), and for ``PAGE_CACHE_SECONDS`` at most: the backstop for writes no connection
sees (an operator's ``psql``). Nothing goes through Redis: what a page shows never depends on it.

**Shared data (decision 0024).** :func:`shared` keeps, under the same generations, what
every reader of one scope's pages reads alike — a page of a thread's posts — for signed-in
readers too: each applies their own view to it (what they hid, their reactions) or, where it
is not their page, reads their own.

**Pages are kept only for requests that cannot differ**: GET, no session cookie, no
messages cookie, no ``Authorization`` or session-token header, an anonymous reader, a 200
answer that set no cookie. The reader's CSRF token (the language form) is kept as a
placeholder and each reader's own is put back; a page still holding anything shaped like a
token after that is not kept.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import re
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast, overload

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
        "core_scopegeneration",
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
_SCOPE_TABLE = "core_scopegeneration"
#: Counter rows of :data:`_TABLE`: after every counted write, after those outside any scope.
EVERY, SITE = 1, 2
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


#: :func:`written_table`'s answer for a write whose table is not known (``WITH … UPDATE``,
#: ``TRUNCATE``, ``COPY``): it counts for the whole site.
UNKNOWN_TABLE = "*"


def written_table(sql: str) -> str | None:
    """The table a statement writes when the write may change what a visitor sees (lower
    case; :data:`UNKNOWN_TABLE` when it is a write of some other shape), or None: a read, a
    schema change, or a write to a table in :data:`UNSEEN_TABLES`."""
    head = sql.lstrip()[:10].upper()
    if head.startswith(_READS) or head.startswith(_SCHEMA):
        return None
    if head.startswith("WITH") and not _WRITE_WORD.search(sql):
        return None
    if head.startswith("SET ") or head.startswith("PRAGMA"):
        return None
    found = _WRITE_TARGET.match(sql)
    if found is not None:
        table = found.group(1).lower()
        return None if table in UNSEEN_TABLES else table
    return UNKNOWN_TABLE


@dataclass(frozen=True)
class _Scope:
    name: str
    tables: frozenset[str]


#: The scope the current code declared its writes confined to (:func:`writes_within`).
_current_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar(
    "alongside_page_scope", default=None
)
#: Marks, among a connection's pending scopes, a write that counts for the whole site.
_WHOLE_SITE = ""
_MIXED = _Scope(_WHOLE_SITE, frozenset())


@contextlib.contextmanager
def writes_within(scope: str, tables: frozenset[str]) -> Iterator[None]:
    """Declare that, inside the block, writes to ``tables`` change only what the pages of
    ``scope`` show (the caller's promise: they touch that scope's rows only). They then move
    that scope's counter, not the site's. Writes to any other table still count for the
    site; a different scope nested inside counts everything for the site."""
    if not scope or len(scope) > 100:
        raise ValueError("a scope is a non-empty name of at most 100 characters")
    outer = _current_scope.get()
    inner = _Scope(scope, frozenset(tables))
    if outer is not None and outer != inner:
        inner = _MIXED
    token = _current_scope.set(inner)
    try:
        yield
    finally:
        _current_scope.reset(token)


def _scope_of(table: str) -> str:
    scope = _current_scope.get()
    if scope is not None and table in scope.tables:
        return scope.name
    return _WHOLE_SITE


def _count(cursor: Any, pending: set[str]) -> None:
    rows = f"{EVERY}, {SITE}" if _WHOLE_SITE in pending else f"{EVERY}"
    cursor.execute(f"UPDATE {_TABLE} SET value = value + 1 WHERE id IN ({rows})")  # noqa: S608
    for scope in sorted(pending - {_WHOLE_SITE}):
        cursor.execute(
            f"INSERT INTO {_SCOPE_TABLE} (scope, value) VALUES (%s, 1) "  # noqa: S608
            f"ON CONFLICT (scope) DO UPDATE SET value = {_SCOPE_TABLE}.value + 1",
            [scope],
        )


def _counter_exists(connection: BaseDatabaseWrapper) -> bool:
    try:
        return _SCOPE_TABLE in connection.introspection.table_names()
    except Exception:  # the connection is gone: say it exists, so the failure is logged
        return True


def _bump_after_commit(connection: BaseDatabaseWrapper, scope: str) -> None:
    """Count one committed write for ``scope`` (or the site). Every write registers a
    callback (a callback registered in a savepoint that rolls back is dropped with it, so
    registering once per transaction could lose the count); the first to run after the
    commit counts every scope written, the rest find nothing to do. A write in a savepoint
    that rolled back may still be counted: a page rendered again, never a stale one."""
    pending: set[str] | None = getattr(connection, "alongside_pending", None)
    if pending is None:
        pending = connection.alongside_pending = set()  # type: ignore[attr-defined]
    pending.add(scope)

    def bump() -> None:
        if not pending:
            return
        written = set(pending)
        pending.clear()
        try:
            with connection.cursor() as cursor:
                _count(cursor, written)
        except Exception:  # a counter must never take down the write it follows
            forget_all()
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
    table = written_table(sql)
    if table is not None:
        _bump_after_commit(context["connection"], _scope_of(table))
    return result


def install(sender: Any = None, connection: BaseDatabaseWrapper | None = None, **_: Any) -> None:
    """``connection_created`` receiver: the wrapper goes on each new connection once."""
    if connection is not None and watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)


def generation(using: str = "default") -> int | None:
    """The generation of every counted write, or None when the counter row is missing (then
    no page is kept or served)."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT value FROM {_TABLE} WHERE id = {EVERY}")  # noqa: S608
        row = cursor.fetchone()
    return int(row[0]) if row else None


def scope_generation(scope: str, using: str = "default") -> tuple[int, int] | None:
    """(the site's generation, the scope's) in one query, or None when the site's counter
    row is missing. A scope never written yet is at 0."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT g.value, s.value FROM {_TABLE} g "  # noqa: S608
            f"LEFT JOIN {_SCOPE_TABLE} s ON s.scope = %s WHERE g.id = {SITE}",
            [scope],
        )
        row = cursor.fetchone()
    return (int(row[0]), int(row[1] or 0)) if row else None


# --- keeping pages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class KeptPage:
    at: float
    body: str
    headers: tuple[tuple[str, str], ...]


_V = TypeVar("_V")


class _Holder(Generic[_V]):
    """One of this process's stores, made at its configured size on first use."""

    def __init__(self) -> None:
        self.pages: BoundedMemo[tuple[Any, ...], _V] | None = None
        self.lock = threading.Lock()

    def get(self, size: int) -> BoundedMemo[tuple[Any, ...], _V]:
        with self.lock:
            if self.pages is None or self.pages.max_entries != size:
                self.pages = BoundedMemo(size)
            return self.pages

    def clear(self) -> None:
        with self.lock:
            if self.pages is not None:
                self.pages.clear()


_holder: _Holder[KeptPage] = _Holder()
#: What readers of one scope's pages share (:func:`shared`): (when read, value). Fewer than
#: the pages: a value holds a page's posts whole, source and HTML (~100 kB for 30 posts of a
#: few paragraphs, up to ~1.5 MB for 30 posts of the longest allowed).
SHARED_ENTRIES = 64
_shared_holder: _Holder[tuple[float, Any]] = _Holder()


def store() -> BoundedMemo[tuple[Any, ...], KeptPage] | None:
    """This process's kept pages; None when ``PAGE_CACHE_ENTRIES`` is 0 (off)."""
    size = int(getattr(settings, "PAGE_CACHE_ENTRIES", 0))
    return _holder.get(size) if size > 0 else None


def forget_all() -> None:
    """Drop every page and shared value this process keeps."""
    _holder.clear()
    _shared_holder.clear()


def shared(scope: str, key: tuple[Hashable, ...], read: Callable[[], _V]) -> _V | None:
    """What ``read()`` returns for the pages of ``scope``, read once per process while
    nothing in the scope has changed: kept under (the site's generation, the scope's,
    ``scope``, ``key``) for ``PAGE_CACHE_SECONDS`` at most, in an LRU of
    ``PAGE_CACHE_ENTRIES`` but at most :data:`SHARED_ENTRIES`. For signed-in readers too,
    so ``read`` must return what every reader gets alike (what differs per reader is applied
    to it after) and the caller must never change it.

    None when nothing may be shared: the cache is off, the code runs inside a transaction
    (its own writes are not counted until it commits, and may roll back) or the generation
    cannot be read. The caller then reads what it needs the usual way."""
    size = min(int(getattr(settings, "PAGE_CACHE_ENTRIES", 0)), SHARED_ENTRIES)
    if size <= 0 or connections["default"].in_atomic_block:
        return None
    current = scope_generation(scope)
    if current is None:
        return None
    values = _shared_holder.get(size)
    full_key = (current, scope, key)
    now = time.monotonic()
    found = values.get(full_key)
    if found is not None and now - found[0] < settings.PAGE_CACHE_SECONDS:
        return cast(_V, found[1])
    value = read()
    values.put(full_key, (now, value))
    return value


def key_for(request: HttpRequest, scope: str | None = None) -> tuple[Any, ...] | None:
    """The key of this request's page, or None when the page may differ for this reader. A
    page of one ``scope`` keys on the site's generation and that scope's; any other page on
    the generation of every write."""
    if request.method != "GET":
        return None
    if request.COOKIES.get(settings.SESSION_COOKIE_NAME) or request.COOKIES.get("messages"):
        return None
    if "HTTP_AUTHORIZATION" in request.META or "HTTP_X_SESSION_TOKEN" in request.META:
        return None
    user = getattr(request, "user", None)
    if user is None or user.is_authenticated:
        return None
    current: Any = generation() if scope is None else scope_generation(scope)
    if current is None:
        return None
    return (
        current,
        scope,
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


ScopeOf = Callable[..., str]


@overload
def anonymous_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]: ...


@overload
def anonymous_page(
    *, scope: ScopeOf
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]: ...


def anonymous_page(view: Any = None, *, scope: ScopeOf | None = None) -> Any:
    """Serve a signed-out visitor's GET of ``view`` from the kept pages when nothing it shows
    has changed since it was kept; otherwise run the view and keep what it answered.

    ``@anonymous_page`` keys on every counted write; ``@anonymous_page(scope=f)`` keys on the
    site's writes and those of the scope ``f(request, *args, **kwargs)`` names: the page must
    show nothing another scope's confined writes change (decision 0023)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            pages = store()
            if pages is None:
                return view(request, *args, **kwargs)
            key = key_for(request, None if scope is None else scope(request, *args, **kwargs))
            if key is None:
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

    return decorate if view is None else decorate(view)
