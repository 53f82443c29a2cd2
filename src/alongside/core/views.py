"""Process health and the home page."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving; says nothing about its dependencies."""
    return JsonResponse({"status": "ok"})


#: Once this process has seen every migration applied it stays so (a new release means new
#: processes), so later probes skip loading the migration graph and only ping the database.
_migrations_checked = False


def _database_ready() -> tuple[bool, str]:
    global _migrations_checked  # noqa: PLW0603
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrations_checked:
            executor = MigrationExecutor(connection)
            if executor.migration_plan(executor.loader.graph.leaf_nodes()):
                return False, "migrations pending"
            _migrations_checked = True
    except Exception:
        return False, "unreachable"
    return True, "ok"


def _redis_ready() -> tuple[bool, str]:
    if not settings.REDIS_URL:
        return True, "not configured"
    try:
        import redis

        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5
        )
        client.ping()
    except Exception:
        return False, "unreachable"
    return True, "ok"


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready for traffic: database reachable with migrations applied, Redis when configured."""
    db_ok, db_state = _database_ready()
    redis_ok, redis_state = _redis_ready()
    ok = db_ok and redis_ok
    response = JsonResponse(
        {"status": "ok" if ok else "unavailable", "database": db_state, "redis": redis_state},
        status=200 if ok else 503,
    )
    if not ok:
        response["Retry-After"] = "5"
    return response


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home/index.html")
